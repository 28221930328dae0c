// Learning-rate schedules as transformers' get_*_schedule_with_warmup: the multiplier for
// optimizer step s (0-based) rises linearly over the warmup steps, then stays, falls linearly or
// follows a half cosine to zero at the last step.

export type ScheduleKind = 'constant' | 'linear' | 'cosine';

export interface Schedule {
  kind: ScheduleKind;
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
}

/** Warmup steps from an explicit count, or a ratio of the total (rounded up as transformers does). */
export function warmupSteps(totalSteps: number, steps?: number, ratio?: number): number {
  if (steps !== undefined && steps > 0) return steps;
  return ratio ? Math.ceil(totalSteps * ratio) : 0;
}

export function learningRate(s: Schedule, step: number): number {
  const { warmupSteps: w, totalSteps: total } = s;
  if (step < w) return (s.peakLr * step) / Math.max(1, w);
  if (s.kind === 'constant') return s.peakLr;
  const progress = (step - w) / Math.max(1, total - w);
  if (s.kind === 'linear') return s.peakLr * Math.max(0, 1 - progress);
  return s.peakLr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}
