export interface BpeTrainingResult {
  /** Every token in id order: the alphabet, then one per merge whose result was new. */
  tokens: string[];
  /** Merges in rank order, as `[left, right]`. */
  merges: [string, string][];
}

interface Word {
  symbols: number[];
  count: number;
}

// Pairs are keyed by one number; ids stay far below 2^21 for any vocabulary this builds.
const ID_LIMIT = 2 ** 21;
const pairKey = (left: number, right: number) => left * ID_LIMIT + right;

/**
 * Learns BPE merges from word counts, like the Hugging Face BpeTrainer: repeatedly merge the most
 * frequent adjacent pair; ties go to the pair with the smaller ids, so the result is deterministic.
 * Stops once there are `tokenCount` tokens (alphabet included) or no pair is left.
 */
export function trainBpeMerges(wordCounts: ReadonlyMap<string, number>, alphabet: readonly string[], tokenCount: number): BpeTrainingResult {
  const tokens = [...alphabet];
  const idOf = new Map(tokens.map((token, id) => [token, id]));
  const words: Word[] = [];
  for (const [text, count] of wordCounts) {
    const symbols = Array.from(text, (char) => {
      const id = idOf.get(char);
      if (id === undefined) throw new Error(`BPE training: character ${JSON.stringify(char)} is not in the alphabet`);
      return id;
    });
    words.push({ symbols, count });
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  words.forEach((word, index) => addPairs(word, index, pairCounts, pairWords));

  const merges: [string, string][] = [];
  while (tokens.length < tokenCount) {
    const best = mostFrequentPair(pairCounts);
    if (best === undefined) break;
    const left = Math.floor(best / ID_LIMIT);
    const right = best % ID_LIMIT;
    const merged = tokens[left]! + tokens[right]!;
    let mergedId = idOf.get(merged);
    if (mergedId === undefined) {
      mergedId = tokens.push(merged) - 1;
      idOf.set(merged, mergedId);
    }
    merges.push([tokens[left]!, tokens[right]!]);
    for (const index of [...(pairWords.get(best) ?? [])]) {
      const word = words[index]!;
      removePairs(word, pairCounts);
      word.symbols = mergeSymbols(word.symbols, left, right, mergedId);
      addPairs(word, index, pairCounts, pairWords);
    }
    pairCounts.delete(best);
    pairWords.delete(best);
  }
  return { tokens, merges };
}

function mostFrequentPair(pairCounts: Map<number, number>): number | undefined {
  let best: number | undefined;
  let bestCount = 0;
  for (const [key, count] of pairCounts) {
    if (count > bestCount || (count === bestCount && count > 0 && key < best!)) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

function addPairs(word: Word, index: number, pairCounts: Map<number, number>, pairWords: Map<number, Set<number>>): void {
  for (let i = 0; i + 1 < word.symbols.length; i++) {
    const key = pairKey(word.symbols[i]!, word.symbols[i + 1]!);
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + word.count);
    let holders = pairWords.get(key);
    if (!holders) pairWords.set(key, (holders = new Set()));
    holders.add(index);
  }
}

function removePairs(word: Word, pairCounts: Map<number, number>): void {
  for (let i = 0; i + 1 < word.symbols.length; i++) {
    const key = pairKey(word.symbols[i]!, word.symbols[i + 1]!);
    const count = (pairCounts.get(key) ?? 0) - word.count;
    if (count > 0) pairCounts.set(key, count);
    else pairCounts.delete(key);
  }
}

/** Replaces each left-to-right occurrence of (left, right) by `merged`. */
function mergeSymbols(symbols: number[], left: number, right: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(symbols[i]!);
    }
  }
  return out;
}
