import type { LengthStats } from './length-stats.js';

/**
 * Whole-number lengths counted by value, so statistics over millions of examples take memory in
 * proportion to the distinct lengths only. Gives the same figures as lengthStats/textHistogram.
 */
export class LengthTally {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private sum = 0;

  add(length: number, times = 1): void {
    this.counts.set(length, (this.counts.get(length) ?? 0) + times);
    this.total += times;
    this.sum += length * times;
  }

  get count(): number {
    return this.total;
  }

  /** How many lengths are greater than `limit`. */
  countAbove(limit: number): number {
    let above = 0;
    for (const [length, count] of this.counts) if (length > limit) above += count;
    return above;
  }

  /** Count, min, nearest-rank p50 and p95, max and mean (1 decimal); all zero when empty. */
  stats(): LengthStats {
    if (this.total === 0) return { count: 0, min: 0, p50: 0, p95: 0, max: 0, mean: 0 };
    const sorted = this.sortedLengths();
    return {
      count: this.total,
      min: sorted[0]!,
      p50: this.nearestRank(sorted, 50),
      p95: this.nearestRank(sorted, 95),
      max: sorted[sorted.length - 1]!,
      mean: Math.round((this.sum / this.total) * 10) / 10,
    };
  }

  /** Equal-width bins, one line each: `  10-19 | ######## 8`; the fullest bin is `width` characters. */
  histogram(options: { bins?: number; width?: number } = {}): string {
    if (this.total === 0) return '(no values)';
    const bins = Math.max(1, options.bins ?? 10);
    const width = Math.max(1, options.width ?? 40);
    const sorted = this.sortedLengths();
    const min = sorted[0]!;
    const max = sorted[sorted.length - 1]!;
    const binWidth = Math.max(1, Math.ceil((max - min + 1) / bins));
    const binCounts = new Array<number>(Math.ceil((max - min + 1) / binWidth)).fill(0);
    for (const [length, count] of this.counts) binCounts[Math.floor((length - min) / binWidth)]! += count;
    const labels = binCounts.map((_, i) => {
      const low = min + i * binWidth;
      return binWidth === 1 ? `${low}` : `${low}-${low + binWidth - 1}`;
    });
    const labelWidth = Math.max(...labels.map((l) => l.length));
    const fullest = Math.max(...binCounts);
    return binCounts
      .map((count, i) => {
        const bar = '#'.repeat(count === 0 ? 0 : Math.max(1, Math.round((count / fullest) * width)));
        return `${labels[i]!.padStart(labelWidth)} | ${bar}${bar ? ' ' : ''}${count}`;
      })
      .join('\n');
  }

  private sortedLengths(): number[] {
    return [...this.counts.keys()].sort((a, b) => a - b);
  }

  /** The smallest length whose cumulative count reaches ceil(percent% of all). */
  private nearestRank(sorted: readonly number[], percent: number): number {
    const rank = Math.max(1, Math.ceil((percent / 100) * this.total));
    let seen = 0;
    for (const length of sorted) {
      seen += this.counts.get(length)!;
      if (seen >= rank) return length;
    }
    return sorted[sorted.length - 1]!;
  }
}

/** A tally of a list of lengths. */
export function tallyOf(values: Iterable<number>): LengthTally {
  const tally = new LengthTally();
  for (const value of values) tally.add(value);
  return tally;
}

/**
 * A text histogram of whole-number values in equal-width bins, one line per bin:
 * `  10-19 | ######## 8`. Bars are scaled so the fullest bin is `width` characters.
 */
export function textHistogram(values: readonly number[], options: { bins?: number; width?: number } = {}): string {
  return tallyOf(values).histogram(options);
}
