// The closing summary and the progress line's fields, as text.
import type { DropReason } from './filters.js';
import type { SynthProgress, SynthSummary } from './synthesize.js';
import { storedPair } from './store.js';

const number = (n: number) => n.toLocaleString('en-US');

function tokensShort(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

function droppedText(dropped: Record<DropReason, number>): string {
  const parts = Object.entries(dropped).filter(([, n]) => n > 0).map(([reason, n]) => `${n} ${reason}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The fields after the bar: pairs kept, dropped by reason, replies that gave nothing, tokens, retries. */
export function progressExtra(p: SynthProgress): string {
  const dropped = Object.values(p.dropped).reduce((a, b) => a + b, 0);
  return [
    `kept ${p.kept}`,
    `dropped ${dropped}${dropped > 0 ? ` (${droppedText(p.dropped)})` : ''}`,
    p.badReplies > 0 ? `bad replies ${p.badReplies}` : '',
    `tokens ${tokensShort(p.tokens)}`,
    p.retries > 0 ? `retries ${p.retries}` : '',
  ].filter(Boolean).join('  ');
}

function clip(text: string, chars = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > chars ? `${flat.slice(0, chars - 3)}...` : flat;
}

function sourceText(source: unknown): string {
  const s = source as { file?: string; lines?: [number, number]; round?: number } | undefined;
  if (s?.file) return `${s.file}, lines ${s.lines?.[0]}-${s.lines?.[1]}`;
  return s?.round !== undefined ? `Self-Instruct round ${s.round}` : '?';
}

const STOPPED: Record<SynthSummary['stopped'], string> = {
  finished: '',
  target: 'stopped at --target',
  interrupted: 'interrupted: run the same command with --resume to go on',
  failed: 'stopped by an endpoint failure: run the same command with --resume to go on',
  'no-progress': 'stopped: 10 Self-Instruct rounds in a row kept no pair (all duplicates or filtered)',
};

export function formatSummary(s: SynthSummary): string {
  const where = s.documents
    ? `from ${s.chunks.thisRun} chunk(s) of ${s.documents.chunks} in ${s.documents.files} document(s)${s.chunks.skippedAsDone > 0 ? ` (${s.chunks.skippedAsDone} done before, skipped)` : ''}`
    : `from ${s.chunks.thisRun} Self-Instruct round(s) on ${s.seedTasks} seed task(s)`;
  const bad = (['not-json', 'empty-reply', 'no-pairs'] as const).filter((k) => s.replies[k] > 0).map((k) => `${s.replies[k]} ${k}`);
  const lines = [
    `kept ${number(s.pairs.kept)} of ${number(s.pairs.proposed)} pairs ${where}; ${s.out} holds ${number(s.inFile)}`,
    `dropped: ${droppedText(s.pairs.dropped)} (duplicates: ${s.duplicates})`,
    `requests: ${s.requests} to ${s.model} at ${s.endpoint}${bad.length > 0 ? `; replies skipped: ${bad.join(', ')}` : ''}; ${s.retries} retries`,
    `tokens: ${number(s.tokens.prompt)} prompt + ${number(s.tokens.completion)} completion; chunks counted by ${s.tokenCounter}`,
  ];
  if (s.replies['not-json'] > 0) lines.push('  replies that are not JSON are often cut off: raise --max-tokens, or lower --per-chunk');
  if (s.documents && s.documents.skippedFiles.length > 0) lines.push(`skipped ${s.documents.skippedFiles.length} file(s) of other types: ${s.documents.skippedFiles.slice(0, 5).join(', ')}`);
  for (const warning of s.warnings.slice(0, 5)) lines.push(`warning: ${warning}`);
  if (s.warnings.length > 5) lines.push(`warning: ... and ${s.warnings.length - 5} more`);
  if (s.stopped !== 'finished') lines.push(STOPPED[s.stopped] + (s.error ? ` (${s.error})` : ''));
  if (s.samples.length > 0) {
    lines.push('samples:');
    for (const record of s.samples) {
      const pair = storedPair(record);
      if (!pair) continue;
      lines.push(`  Q: ${clip(pair.prompt)}`, `  A: ${clip(pair.answer)}`, `     (${sourceText(record.source)})`);
    }
  }
  return lines.join('\n');
}
