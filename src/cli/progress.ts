// A one-line progress display for long work: step, loss, tokens/s and ETA. On a terminal it
// redraws in place; otherwise (logs, CI) it prints a line every few seconds. The ETA counts only
// the steps this process ran, so a resumed run does not take the earlier steps as free.

export interface ProgressFields {
  step: number;
  total: number;
  loss?: number;
  tokensPerSecond?: number;
  label?: string;
  /** More fields for the line, already formatted (pairs kept, dropped, tokens). */
  extra?: string;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export class ProgressBar {
  private readonly started: number;
  private lastPrinted = 0;
  private readonly tty: boolean;
  /** The step count before this process's first step (a resumed run starts past 0). */
  private firstStep: number | null = null;
  /** The line drawn in place on a terminal, redrawn after a message. */
  private shown = '';

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    private readonly width = 24,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tty = Boolean(stream.isTTY);
    this.started = now();
  }

  update(p: ProgressFields): void {
    const elapsed = (this.now() - this.started) / 1000;
    this.firstStep ??= Math.max(0, p.step - 1);
    const done = p.step - this.firstStep;
    const fraction = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
    const eta = done > 0 ? (elapsed / done) * (p.total - p.step) : NaN;
    const filled = Math.round(fraction * this.width);
    const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(this.width - filled)}`;
    const parts = [
      `${p.label ?? 'step'} ${p.step}/${p.total}`,
      `[${bar}]`,
      p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : '',
      p.tokensPerSecond !== undefined ? `${Math.round(p.tokensPerSecond)} tok/s` : '',
      p.extra ?? '',
      `elapsed ${formatDuration(elapsed)}`,
      `ETA ${formatDuration(eta)}`,
    ].filter(Boolean);
    const line = parts.join('  ');
    if (this.tty) {
      this.stream.write(`\r${line}\x1b[K`);
      this.shown = line;
    } else if (p.step === p.total || this.now() - this.lastPrinted > 5000 || done <= 1) {
      this.stream.write(`${line}\n`);
      this.lastPrinted = this.now();
    }
  }

  /**
   * Prints a message through `write` on a line of its own: on a terminal the bar's line is cleared
   * first and drawn again below the message.
   */
  print(write: () => void): void {
    if (!this.tty || !this.shown) return write();
    this.stream.write('\r\x1b[K');
    write();
    this.stream.write(`${this.shown}`);
  }

  /** Ends the in-place line so later output starts on a fresh one. */
  done(): void {
    if (this.tty && this.shown) this.stream.write('\n');
    this.shown = '';
  }
}
