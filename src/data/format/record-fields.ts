/** Thrown while normalising one record; collected as a problem with the record's line. */
export class RecordProblem extends Error {}

/** Plain words for a value's JSON type, for problem messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary bytes';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return `a number (${value})`;
  if (typeof value === 'boolean') return `a boolean (${value})`;
  return `a ${typeof value}`;
}

export function asObject(value: unknown, what = 'record'): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    return value as Record<string, unknown>;
  }
  throw new RecordProblem(`${what} is ${describeType(value)}, expected an object with fields`);
}

/** A required text field; empty text is allowed here and reported as a warning by inspection. */
export function requiredText(record: Record<string, unknown>, field: string, where = ''): string {
  const value = record[field];
  if (value === undefined || value === null) throw new RecordProblem(`${where}missing field "${field}"`);
  if (typeof value !== 'string') throw new RecordProblem(`${where}field "${field}" is ${describeType(value)}, expected text`);
  return value;
}

/** An optional text field: absent, null and "" all read as undefined. */
export function optionalText(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new RecordProblem(`field "${field}" is ${describeType(value)}, expected text`);
  return value;
}
