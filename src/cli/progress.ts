// A one-line progress display for long work: step, loss, tokens/s and ETA. On a terminal it
// redraws in place; otherwise (logs, CI) it prints a line every few seconds.

export interface ProgressFields {
  step: number;
  total: number;
  loss?: number;
  tokensPerSecond?: number;
  label?: string;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export class ProgressBar {
  private readonly started = performance.now();
  private lastPrinted = 0;
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly width = 24) {
    this.tty = Boolean(stream.isTTY);
  }

  update(p: ProgressFields): void {
    const elapsed = (performance.now() - this.started) / 1000;
    const fraction = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
    const eta = p.step > 0 ? (elapsed / p.step) * (p.total - p.step) : NaN;
    const filled = Math.round(fraction * this.width);
    const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(this.width - filled)}`;
    const parts = [
      `${p.label ?? 'step'} ${p.step}/${p.total}`,
      `[${bar}]`,
      p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : '',
      p.tokensPerSecond !== undefined ? `${Math.round(p.tokensPerSecond)} tok/s` : '',
      `elapsed ${formatDuration(elapsed)}`,
      `ETA ${formatDuration(eta)}`,
    ].filter(Boolean);
    const line = parts.join('  ');
    if (this.tty) {
      this.stream.write(`\r${line}\x1b[K`);
    } else if (p.step === p.total || performance.now() - this.lastPrinted > 5000 || p.step <= 1) {
      this.stream.write(`${line}\n`);
      this.lastPrinted = performance.now();
    }
  }

  /** Ends the in-place line so later output starts on a fresh one. */
  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}
