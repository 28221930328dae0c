// Every command, in the order `tuna --help` lists them.
import type { z } from 'zod';
import type { CommandSpec } from '../command.js';
import { generateCommand } from './generate.js';
import { initModelCommand } from './init-model.js';
import { quickstart } from './quickstart.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';

export const COMMANDS: CommandSpec<z.ZodObject>[] = [quickstart, trainCommand, initModelCommand, generateCommand, serveCommand] as unknown as CommandSpec<z.ZodObject>[];
