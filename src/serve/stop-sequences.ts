// Stop strings over streamed text: text that might be the start of a stop string is held back
// until the next piece shows whether it is, so a stop string never reaches the client.

export class StopMatcher {
  private held = '';
  private stopped = false;

  constructor(private readonly stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /** Adds new text; returns what may be sent now and whether a stop string was met (text after it is dropped). */
  push(text: string): { text: string; stopped: boolean } {
    if (this.stopped) return { text: '', stopped: true };
    const buffer = this.held + text;
    const at = this.firstStop(buffer);
    if (at >= 0) {
      this.stopped = true;
      this.held = '';
      return { text: buffer.slice(0, at), stopped: true };
    }
    const keep = this.longestPartialStop(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** The held-back text at the end of the completion (it was not a stop string after all). */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return this.stopped ? '' : rest;
  }

  private firstStop(text: string): number {
    let first = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first;
  }

  /** Length of the longest end of `text` that begins some stop string. */
  private longestPartialStop(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
