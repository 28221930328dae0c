import { TunaInputError } from '../../errors.js';

/** Field name -> column name in the file: `{question: 'Q'}` reads field `question` from column `Q`. */
export type ColumnMap = Record<string, string>;

/** Parses CLI `--map field=column` values into a ColumnMap. */
export function parseColumnMap(entries: readonly string[]): ColumnMap {
  const map: ColumnMap = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const field = equals === -1 ? '' : entry.slice(0, equals).trim();
    const column = equals === -1 ? '' : entry.slice(equals + 1).trim();
    if (field === '' || column === '') {
      throw new TunaInputError(`--map "${entry}": expected field=column, for example --map question=Q --map answer=A.`);
    }
    if (field in map && map[field] !== column) {
      throw new TunaInputError(`--map: field "${field}" is mapped twice ("${map[field]}" and "${column}"). Keep one.`);
    }
    map[field] = column;
  }
  return map;
}

/**
 * Renames columns to fields before format detection. The source columns are removed, so a
 * record never holds both names. Values that are not objects are returned unchanged.
 */
export function applyColumnMap(value: unknown, map: ColumnMap): unknown {
  const pairs = Object.entries(map);
  if (pairs.length === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = { ...source };
  for (const [, column] of pairs) delete result[column];
  for (const [field, column] of pairs) {
    if (column in source) result[field] = source[column];
    else delete result[field]; // a mapped field comes from its column only
  }
  return result;
}
