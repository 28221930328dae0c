// Near-duplicate instructions by ROUGE-L, as Self-Instruct filters them: a new one is kept only when
// its ROUGE-L F-measure against every one kept so far is at most the threshold (0.7). An index of
// shared words skips the pairs whose bound 2*shared/(|a|+|b|) already rules a match out.
import { fMeasure, lcsLength, rougeTokens } from '../eval/rouge-l.js';

export interface NearestMatch {
  text: string;
  score: number;
}

export class RougeDeduper {
  private readonly texts: string[] = [];
  private readonly sequences: Int32Array[] = [];
  private readonly postings = new Map<number, number[]>();
  private readonly ids = new Map<string, number>();
  /** Texts with no ROUGE token (no ASCII letter or digit) are compared exactly, lowercased. */
  private readonly untokenized = new Set<string>();

  constructor(readonly threshold = 0.7) {}

  get size(): number {
    return this.texts.length + this.untokenized.size;
  }

  private encode(text: string): Int32Array {
    return Int32Array.from(rougeTokens(text), (token) => {
      let id = this.ids.get(token);
      if (id === undefined) this.ids.set(token, (id = this.ids.size));
      return id;
    });
  }

  /** The kept text most like `text` when it scores above the threshold, else null. */
  nearest(text: string): NearestMatch | null {
    const sequence = this.encode(text);
    if (sequence.length === 0) {
      const key = text.trim().toLowerCase();
      return this.untokenized.has(key) ? { text, score: 1 } : null;
    }
    const counts = new Map<number, number>();
    for (const id of sequence) counts.set(id, (counts.get(id) ?? 0) + 1);
    const shared = new Map<number, number>();
    for (const [id, count] of counts) {
      for (const kept of this.postings.get(id) ?? []) shared.set(kept, (shared.get(kept) ?? 0) + count);
    }
    let best: NearestMatch | null = null;
    for (const [kept, common] of shared) {
      const other = this.sequences[kept]!;
      if ((2 * Math.min(common, other.length)) / (sequence.length + other.length) <= this.threshold) continue;
      const lcs = lcsLength(Array.from(other), Array.from(sequence));
      const score = fMeasure(lcs / sequence.length, lcs / other.length);
      if (score > this.threshold && (!best || score > best.score)) best = { text: this.texts[kept]!, score };
    }
    return best;
  }

  add(text: string): void {
    const sequence = this.encode(text);
    if (sequence.length === 0) return void this.untokenized.add(text.trim().toLowerCase());
    const index = this.texts.length;
    this.texts.push(text);
    this.sequences.push(sequence);
    for (const id of new Set(sequence)) {
      const list = this.postings.get(id);
      if (list) list.push(index);
      else this.postings.set(id, [index]);
    }
  }
}
