// Data pipeline throughput: inspecting and preparing synthetic question/answer records with a
// byte-level BPE tokenizer (examples/s, tokens/s), and a streaming inspection of a large JSONL file
// in bounded memory (peak RSS). The synthetic files live in a temp folder, removed at the end.
//   npm run bench:data -- [--records 100000] [--lines 1000000] [--vocab 2048] [--big-tokens 0|1]
// --big-tokens 1 also tokenizes every line of the large file (slow: minutes on two cores).
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { inspectFile, mulberry32, prepareDataset, writePreparedDataset } from '../src/data/index.js';
import type { DatasetReport } from '../src/data/index.js';
import { buildByteLevelBpe, Tokenizer } from '../src/tokenizer/index.js';
import { flags, round } from './peer.js';

const opts = flags({ records: '100000', lines: '1000000', vocab: '2048', 'big-tokens': '0', 'write-to': '', seed: '1' });
const records = Number(opts.records);
const lines = Number(opts.lines);

const WORDS = (
  'the model data train answer question token machine local language fine tune learn rate batch step loss ' +
  'small large fast slow memory file line record prompt text example test split seed pack length window ' +
  'what how why where when which does can should would is are was were it they we you this that'
).split(' ');

/** A deterministic question/answer record: about 12 and 30 words, numbered so that none repeats. */
function syntheticRecord(next: () => number, index: number): string {
  const words = (count: number) => Array.from({ length: count }, () => WORDS[next() % WORDS.length]).join(' ');
  const question = `${words(8 + (next() % 8))} ${index}?`;
  const answer = `${words(20 + (next() % 20))}.`;
  return JSON.stringify({ question, answer });
}

/** Writes `count` records to `file` through a stream, never holding the whole text. */
async function writeRecords(file: string, count: number, seed: number): Promise<number> {
  const next = mulberry32(seed);
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += `${syntheticRecord(next, i)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return (await stat(file)).size;
}

/** Writes the records in a child process, so this process's peak RSS is the inspection's alone. */
function writeRecordsApart(file: string, count: number, seed: number): void {
  const args = [...process.execArgv, process.argv[1]!, '--write-to', file, '--lines', String(count), '--seed', String(seed)];
  execFileSync(process.execPath, args, { stdio: 'inherit' });
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
// CPU seconds of this process beside the wall time: on a shared machine they show the work itself.
const cpuSeconds = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return round((used.user + used.system) / 1e6, 2);
};
const tokensOf = (report: DatasetReport): number => Math.round(report.tokens!.total.mean * report.tokens!.total.count);
const mib = (bytes: number): number => round(bytes / 2 ** 20, 1);

if (opts['write-to'] !== '') {
  await writeRecords(opts['write-to'], lines, Number(opts.seed));
  process.exit(0);
}

const folder = await mkdtemp(join(tmpdir(), 'tuna-bench-data-'));
try {
  const rssStartBytes = process.memoryUsage().rss;
  const built = buildByteLevelBpe({ vocabSize: Number(opts.vocab), style: 'chatml' });
  const tokenizer = new Tokenizer({ folder: 'bench-bpe', tokenizerJson: built.tokenizerJson, tokenizerConfig: built.tokenizerConfig, specialTokensMap: built.specialTokensMap });

  // 1. The large file first, so the peak RSS read after it is the streaming inspection's own.
  const bigFile = join(folder, 'big.jsonl');
  writeRecordsApart(bigFile, lines, 1);
  const bigBytes = (await stat(bigFile)).size;
  const rssBeforeBig = process.memoryUsage().rss;
  let start = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  const big = await inspectFile(bigFile, opts['big-tokens'] === '1' ? { tokenizer } : {});
  const bigSeconds = seconds(start);
  const bigCpu = cpuSeconds(cpu);
  const bigPeakRss = process.resourceUsage().maxRSS * 1024;
  console.log(`inspect ${lines} lines (${mib(bigBytes)} MiB${big.tokens ? ', tokenized' : ', characters only'}): ${round(bigSeconds, 2)} s (${bigCpu} s CPU), ${round(lines / bigSeconds, 0)} lines/s, peak RSS ${mib(bigPeakRss)} MiB (${mib(rssBeforeBig)} MiB before)`);

  // 2. Inspect and prepare the question/answer records with the tokenizer.
  const qaFile = join(folder, 'qa.jsonl');
  await writeRecords(qaFile, records, 2);
  start = process.hrtime.bigint();
  cpu = process.cpuUsage();
  const inspected = await inspectFile(qaFile, { tokenizer });
  const inspectSeconds = seconds(start);
  const inspectCpu = cpuSeconds(cpu);
  const inspectTokens = tokensOf(inspected);
  console.log(`inspect ${records} records: ${round(inspectSeconds, 2)} s (${inspectCpu} s CPU), ${round(records / inspectSeconds, 0)} examples/s, ${round(inspectTokens / inspectSeconds, 0)} tokens/s`);

  start = process.hrtime.bigint();
  cpu = process.cpuUsage();
  const prepared = await prepareDataset(qaFile, { tokenizer, testSize: 0.1, seed: 123 });
  await writePreparedDataset(join(folder, 'prepared'), prepared);
  const prepareSeconds = seconds(start);
  const prepareCpu = cpuSeconds(cpu);
  const prepareTokens = tokensOf(prepared.report.input);
  console.log(`prepare ${records} records (render, tokenize, split, write): ${round(prepareSeconds, 2)} s (${prepareCpu} s CPU), ${round(records / prepareSeconds, 0)} examples/s, ${round(prepareTokens / prepareSeconds, 0)} tokens/s`);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(`peak RSS over the whole run: ${mib(peakRss)} MiB`);

  console.log(
    JSON.stringify({
      bench: 'data',
      vocab: Number(opts.vocab),
      records,
      inspect: { seconds: round(inspectSeconds, 2), cpuSeconds: inspectCpu, examplesPerSecond: round(records / inspectSeconds, 0), tokens: inspectTokens, tokensPerSecond: round(inspectTokens / inspectSeconds, 0) },
      prepare: { seconds: round(prepareSeconds, 2), cpuSeconds: prepareCpu, examplesPerSecond: round(records / prepareSeconds, 0), tokens: prepareTokens, tokensPerSecond: round(prepareTokens / prepareSeconds, 0) },
      bigInspect: {
        lines,
        fileMiB: mib(bigBytes),
        tokenized: big.tokens !== null,
        seconds: round(bigSeconds, 2),
        cpuSeconds: bigCpu,
        linesPerSecond: round(lines / bigSeconds, 0),
        rssStartMiB: mib(rssStartBytes),
        rssBeforeMiB: mib(rssBeforeBig),
        peakRssMiB: mib(bigPeakRss),
      },
      peakRssMiB: mib(peakRss),
    }),
  );
} finally {
  await rm(folder, { recursive: true, force: true });
}
