// Axis ranges and tick marks at round numbers (1, 2 or 5 times a power of ten).

/** A linear axis: its range (rounded outward to whole ticks) and the tick values inside it. */
export interface AxisScale {
  min: number;
  max: number;
  ticks: number[];
  /** Distance between ticks, which also decides how many decimals the labels need. */
  step: number;
}

// Rounds to the nearest of 1, 2, 5, 10 on a log scale (cut points at their geometric means), so
// the tick count stays close to the target either way.
function roundStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.sqrt(2) ? 2 : 1;
  return nice * power;
}

/** About `target` ticks covering [low, high]; `minStep` keeps integer axes (steps) at whole numbers. */
export function niceScale(low: number, high: number, target = 5, minStep = 0): AxisScale {
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new RangeError(`axis range [${low}, ${high}] must be finite with low <= high.`);
  }
  if (low === high) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    [low, high] = [low - pad, high + pad];
  }
  const step = Math.max(roundStep((high - low) / target), minStep);
  const first = Math.floor(low / step + 1e-9);
  const last = Math.ceil(high / step - 1e-9);
  // Multiplying integers by the step (not adding steps up) keeps labels free of drift like 0.30000000000000004.
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => cleanFloat((first + i) * step));
  return { min: ticks[0]!, max: ticks[ticks.length - 1]!, ticks, step };
}

function cleanFloat(value: number): number {
  return Number(value.toPrecision(12));
}

/** A tick label with just enough decimals for the step (steps are 1, 2 or 5 times a power of ten). */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(Math.min(20, decimals));
}
