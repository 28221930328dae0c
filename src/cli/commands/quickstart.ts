import { z } from 'zod';
import { UsageError } from '../errors.js';
import { defineCommand } from '../command.js';

export const quickstart = defineCommand({
  name: 'quickstart',
  summary: 'Run the whole pipeline (inspect, prepare, LoRA fine-tune, evaluate) on a bundled example',
  schema: z.object({}),
  async run() {
    throw new UsageError('tuna quickstart is not yet available in this version.');
  },
});
