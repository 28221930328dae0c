const REPLACEMENT_CHARACTER = '\uFFFD';
// A UTF-8 character spans at most 4 bytes, so 4 byte tokens complete it; a few more allow for empty
// (skipped special) tokens in between. Past that the replacement character is real and is let through.
const MAX_HELD_TOKENS = 8;

/**
 * Turns token ids into text as they arrive, never splitting a UTF-8 character: it decodes a short window
 * of recent ids twice (with and without the new ones) and emits the difference, so decoders that strip a
 * leading space or join byte tokens still give the same text as decoding everything at once.
 */
export class StreamDecoder {
  private readonly ids: number[] = [];
  /** Start of the window decoded for context. */
  private prefixOffset = 0;
  /** Ids before this one have been emitted. */
  private readOffset = 0;

  constructor(private readonly decodeIds: (ids: number[]) => string) {}

  /** Adds ids; returns the new text they complete ('' while a character is still incomplete). */
  push(...ids: number[]): string {
    this.ids.push(...ids);
    return this.emit(false);
  }

  /** Returns whatever is held back (an incomplete character becomes U+FFFD), at the end of a stream. */
  flush(): string {
    return this.emit(true);
  }

  /** All ids pushed so far. */
  get tokenIds(): readonly number[] {
    return this.ids;
  }

  private emit(final: boolean): string {
    if (this.readOffset === this.ids.length) return '';
    const prefixText = this.decodeIds(this.ids.slice(this.prefixOffset, this.readOffset));
    const fullText = this.decodeIds(this.ids.slice(this.prefixOffset));
    const held = this.ids.length - this.readOffset;
    if (!final && fullText.endsWith(REPLACEMENT_CHARACTER) && held < MAX_HELD_TOKENS) return '';
    if (fullText.length <= prefixText.length) {
      // Nothing new yet (e.g. skipped special tokens); keep the window so later text is measured from it.
      if (final) this.advance();
      return '';
    }
    this.advance();
    return fullText.slice(prefixText.length);
  }

  private advance(): void {
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
  }
}
