// Every command, in the order `tuna --help` lists them.
import type { z } from 'zod';
import type { CommandSpec } from '../command.js';
import { generateCommand } from './generate.js';
import { initModelCommand } from './init-model.js';
import { inspectCommand } from './inspect.js';
import { prepareCommand } from './prepare.js';
import { quickstart } from './quickstart.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';
import { mergeCommand } from './merge.js';
import { evalCommand } from './eval.js';
import { chatCommand } from './chat.js';
import { quantizeCommand } from './quantize.js';
import { exportCommand } from './export.js';
import { synthCommand } from './synth.js';

export const COMMANDS: CommandSpec<z.ZodObject>[] = [quickstart, synthCommand, inspectCommand, prepareCommand, initModelCommand, trainCommand, evalCommand, generateCommand, chatCommand, mergeCommand, exportCommand, quantizeCommand, serveCommand] as unknown as CommandSpec<z.ZodObject>[];
