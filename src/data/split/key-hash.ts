/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 53-bit hash of a string from two 32-bit lanes (FNV-1a, and a multiply-xorshift lane with
 * another constant), so a streaming inspection remembers a million examples as numbers instead of
 * their text. Among 10^6 distinct keys the chance of any collision is about 6e-5.
 */
export function hashKey53(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return 0x200000 * (fmix32(b) & 0x1fffff) + fmix32(a);
}
