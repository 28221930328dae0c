import { NonFiniteLossError } from '../../train/trainer.js';
import { fineTune } from '../../train/fine-tune.js';
import { trainOptionsSchema } from '../../train/options.js';
import { resumeOptions } from '../../train/resume-options.js';
import { Runtime } from '../../runtime/runtime.js';
import { defineCommand } from '../command.js';
import { ProgressBar } from '../progress.js';


export const trainCommand = defineCommand({
  name: 'train',
  summary: 'Fine-tune a model with LoRA, QLoRA or full fine-tuning',
  schema: trainOptionsSchema,
  json: true,
  complete: resumeOptions,
  async run(options, ctx) {
    const rt = new Runtime();
    const bar = new ProgressBar();
    try {
      const result = await fineTune(rt, options, {
        onLog: (line) => bar.print(() => ctx.log(line)),
        onStep: (m) => bar.update({ step: m.step, total: m.totalSteps, loss: m.loss, tokensPerSecond: m.tokens_per_s }),
        onEval: (m) => bar.print(() => ctx.log(`step ${m.step}: eval loss ${m.evalLoss.toFixed(4)}`)),
        signal: ctx.signal,
      });
      bar.done();
      const summary = {
        run: result.runDir, output: result.outputDir, steps: result.steps, interrupted: result.interrupted,
        final_loss: result.finalLoss, eval_loss: result.evalLoss, train_examples: result.trainExamples, eval_examples: result.evalExamples,
      };
      if (ctx.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (result.interrupted) ctx.log(`interrupted at step ${result.steps}; resume with --resume latest --out ${result.runDir}`);
      ctx.log(`${options.method === 'full' ? 'model' : 'adapter'} written to ${result.outputDir}`);
      return result.interrupted ? 130 : 0;
    } catch (error) {
      bar.done();
      if (error instanceof NonFiniteLossError) {
        process.stderr.write(`tuna: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      await rt.close();
    }
  },
});
