// Stop strings over streamed text. A stop string can span several tokens, so the tail of the
// text that could still become one is held back until the next piece decides it.

export class StopStringFilter {
  private readonly stops: string[];
  private text = '';
  /** Characters of `text` already returned. */
  private emitted = 0;
  private stoppedAt: number | null = null;

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /** True once a stop string has appeared; nothing after it is ever returned. */
  get stopped(): boolean {
    return this.stoppedAt !== null;
  }

  /** The whole text up to (not including) the first stop string. */
  get finalText(): string {
    return this.text.slice(0, this.stoppedAt ?? this.text.length);
  }

  /** Adds newly decoded text; returns the part that can be shown now. */
  push(piece: string): string {
    if (this.stopped || piece === '') return '';
    this.text += piece;
    // Emitted text never holds the start of a stop string, so a match starts at or after `emitted`.
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.text.indexOf(stop, this.emitted);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stoppedAt = cut;
      return this.take(cut);
    }
    return this.take(this.text.length - this.heldBack());
  }

  /** The held-back tail, at the end of the stream (when no stop string completed). */
  flush(): string {
    return this.stopped ? '' : this.take(this.text.length);
  }

  /** Length of the longest tail of the unshown text that begins some stop string. */
  private heldBack(): number {
    const open = this.text.length - this.emitted;
    let hold = 0;
    for (const stop of this.stops) {
      for (let k = Math.min(stop.length - 1, open); k > hold; k--) {
        if (this.text.endsWith(stop.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }

  private take(end: number): string {
    const out = this.text.slice(this.emitted, end);
    this.emitted = Math.max(this.emitted, end);
    return out;
  }
}
