// One definition per command: a zod schema whose fields become --flags (their .describe() text is
// the --help text and the README's option table), positional arguments, and a run function.
// A YAML file given with --config can hold any option; flags on the command line override it.
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TunaInputError } from '../errors.js';

export interface CommandContext {
  /** Where human-readable output goes (stderr when --json owns stdout). */
  log: (line: string) => void;
  json: boolean;
  signal: AbortSignal;
}

export interface CommandSpec<S extends z.ZodObject> {
  name: string;
  summary: string;
  /** Positional arguments, mapped onto schema fields of the same name. */
  args?: { name: keyof z.infer<S> & string; required: boolean; variadic?: boolean }[];
  schema: S;
  /** Whether the command prints results that --json can carry. */
  json?: boolean;
  /** Completes the options given (flags over --config) before they are checked, e.g. from a run's saved config. */
  complete?: (given: Record<string, unknown>) => Promise<Record<string, unknown>>;
  run(options: z.infer<S>, ctx: CommandContext): Promise<number | void>;
}

export function defineCommand<S extends z.ZodObject>(spec: CommandSpec<S>): CommandSpec<S> {
  return spec;
}

interface FieldInfo {
  key: string;
  flag: string;
  kind: string;
  description: string;
  defaultValue: unknown;
  choices: string[] | null;
  optional: boolean;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** What a schema field looks like on the command line. */
export function describeFields(schema: z.ZodObject): FieldInfo[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    let t = field as z.ZodType;
    let optional = false;
    let defaultValue: unknown;
    for (;;) {
      const def = (t as unknown as { def: { type: string; innerType?: z.ZodType; defaultValue?: unknown } }).def;
      if (def.type === 'default') defaultValue = def.defaultValue;
      if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') {
        optional = true;
        t = def.innerType!;
        continue;
      }
      break;
    }
    const def = (t as unknown as { def: { type: string; entries?: Record<string, string> } }).def;
    return {
      key,
      flag: `--${kebab(key)}`,
      kind: def.type,
      description: (field as z.ZodType).description ?? (t as z.ZodType).description ?? '',
      defaultValue,
      choices: def.entries ? Object.values(def.entries) : null,
      optional,
    };
  });
}

/** `<file>`, `[file]`, or `[docs...]` for a list. */
export function argumentUsage(arg: { name: string; required: boolean; variadic?: boolean }): string {
  const name = arg.variadic ? `${arg.name}...` : arg.name;
  return arg.required ? `<${name}>` : `[${name}]`;
}

function toCommander<S extends z.ZodObject>(spec: CommandSpec<S>, run: (raw: Record<string, unknown>) => Promise<void>): Command {
  const cmd = new Command(spec.name).description(spec.summary).helpOption('-h, --help', 'show this help');
  for (const arg of spec.args ?? []) cmd.argument(argumentUsage(arg));
  const positional = new Set((spec.args ?? []).map((a) => a.name as string));
  for (const f of describeFields(spec.schema)) {
    if (positional.has(f.key)) continue;
    const help = f.description + (f.defaultValue !== undefined && f.defaultValue !== null && f.kind !== 'boolean' ? '' : '');
    let opt: Option;
    if (f.kind === 'boolean') {
      opt = f.defaultValue === true ? new Option(`--no-${kebab(f.key)}`, help) : new Option(f.flag, help);
    } else if (f.kind === 'array') {
      opt = new Option(`${f.flag} <value...>`, help);
    } else {
      opt = new Option(`${f.flag} <${f.kind === 'number' ? 'n' : 'value'}>`, help);
      if (f.kind === 'number') opt.argParser((v) => (v.trim() === '' || Number.isNaN(Number(v)) ? v : Number(v)));
    }
    if (f.choices) opt.choices(f.choices);
    if (f.defaultValue !== undefined && f.kind !== 'boolean') opt.default(f.defaultValue, JSON.stringify(f.defaultValue));
    cmd.addOption(opt);
  }
  cmd.option('--config <file>', 'YAML file with any of these options (flags override it)');
  if (spec.json) cmd.option('--json', 'print the result as JSON on stdout');
  cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const values: Record<string, unknown> = {};
    (spec.args ?? []).forEach((a, i) => {
      if (params[i] !== undefined) values[a.name] = params[i];
    });
    const opts = command.opts();
    for (const [k, v] of Object.entries(opts)) {
      // Options left at their default do not override the config file.
      if (command.getOptionValueSource(k) === 'default') continue;
      if (k === 'config' || (k === 'json' && spec.json)) continue; // passed apart, as __config and __json
      values[k] = v;
    }
    await run({ ...values, __config: opts.config, __json: Boolean(opts.json) });
  });
  return cmd;
}

async function readConfigFile(file: string, schema: z.ZodObject): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TunaInputError(`--config ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new TunaInputError(`--config ${file}: not valid YAML (${(error as Error).message})`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new TunaInputError(`--config ${file}: expected a mapping of option names to values`);
  const known = new Map(describeFields(schema).flatMap((f) => [[f.key, f.key], [kebab(f.key), f.key], [f.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), f.key]]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const key = known.get(k);
    if (!key) throw new TunaInputError(`--config ${file}: unknown option "${k}"; known options: ${describeFields(schema).map((f) => kebab(f.key)).join(', ')}`);
    out[key] = v;
  }
  return out;
}

/** Validates merged options against the schema; problems name the --flag. */
export function parseOptions<S extends z.ZodObject>(schema: S, values: Record<string, unknown>): z.infer<S> {
  const result = schema.strict().safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `${key ? `--${kebab(key)}` : 'options'}: ${i.message}`;
    });
    throw new TunaInputError(problems.join('; '));
  }
  return result.data as z.infer<S>;
}

export function buildCommand<S extends z.ZodObject>(spec: CommandSpec<S>, signal: AbortSignal, setExit: (code: number) => void): Command {
  return toCommander(spec, async (raw) => {
    const { __config, __json, ...flags } = raw;
    const fromFile = typeof __config === 'string' ? await readConfigFile(__config, spec.schema) : {};
    const given = { ...fromFile, ...flags };
    const options = parseOptions(spec.schema, spec.complete ? await spec.complete(given) : given);
    const json = Boolean(__json);
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
    const code = await spec.run(options, { log, json, signal });
    setExit(code ?? 0);
  });
}

/** The option table of a command in Markdown, for the README. */
export function optionsMarkdown(spec: CommandSpec<z.ZodObject>): string {
  const positional = new Set((spec.args ?? []).map((a) => a.name as string));
  const rows = describeFields(spec.schema).map((f) => {
    const flag = positional.has(f.key) ? `\`${f.key}\` (argument)` : f.kind === 'boolean' && f.defaultValue === true ? `\`--no-${kebab(f.key)}\`` : `\`${f.flag}\``;
    const def = f.defaultValue === undefined || f.defaultValue === null || f.kind === 'boolean' ? '' : `\`${JSON.stringify(f.defaultValue)}\``;
    const choices = f.choices ? ` (${f.choices.join(', ')})` : '';
    return `| ${flag} | ${f.description.replace(/\|/g, '\\|')}${choices} | ${def} |`;
  });
  return ['| option | meaning | default |', '|---|---|---|', ...rows].join('\n');
}
