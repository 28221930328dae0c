/** An item equal to an earlier one: both as indices into the input. */
export interface Duplicate {
  index: number;
  firstIndex: number;
}

export interface Deduplicated {
  /** Indices of first occurrences, in input order. */
  unique: number[];
  duplicates: Duplicate[];
}

/** Keeps the first of each group of items with equal keys. */
export function dedupe<T>(items: readonly T[], key: (item: T) => string): Deduplicated {
  const first = new Map<string, number>();
  const unique: number[] = [];
  const duplicates: Duplicate[] = [];
  items.forEach((item, index) => {
    const k = key(item);
    const seen = first.get(k);
    if (seen === undefined) {
      first.set(k, index);
      unique.push(index);
    } else duplicates.push({ index, firstIndex: seen });
  });
  return { unique, duplicates };
}
