// The training loss curve as a standalone SVG: no scripts, no fonts or files to fetch, so it
// works inline in report.html and as loss.svg in a run folder.
import { formatTick, niceScale } from './chart-scale.js';
import type { AxisScale } from './chart-scale.js';
import { escapeMarkup } from './escape-markup.js';

/** One line of metrics.jsonl, or any object with a step and optional losses. */
export interface LossCurvePoint {
  step: number;
  loss?: number | null | undefined;
  eval_loss?: number | null | undefined;
  /** Other metrics.jsonl fields (epoch, lr, ...) are allowed and ignored. */
  [field: string]: unknown;
}

export interface LossChartOptions {
  width: number;
  height: number;
  /** Drawn above the plot and used as the SVG's accessible title. */
  title?: string;
}

const MARGIN = { left: 60, right: 16, top: 34, bottom: 44 };
const TRAIN_COLOR = '#2563eb';
const EVAL_COLOR = '#dc2626';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

type XY = [step: number, loss: number];

/** Scales and pixel mapping of one chart; y grows downwards in SVG, so high loss sits on top. */
interface Plot {
  x: AxisScale;
  y: AxisScale;
  left: number;
  top: number;
  right: number;
  bottom: number;
  px(step: number): number;
  py(loss: number): number;
}

const fixed = (value: number) => String(Math.round(value * 100) / 100);

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${fixed(x)}" y="${fixed(y)}"${attributes ? ` ${attributes}` : ''}>${escapeMarkup(content)}</text>`;
}

function series(points: readonly LossCurvePoint[], key: 'loss' | 'eval_loss'): { values: XY[]; skipped: number } {
  const values: XY[] = [];
  let skipped = 0;
  for (const point of points) {
    const loss = point[key];
    if (loss === undefined) continue;
    if (typeof loss === 'number' && Number.isFinite(loss) && Number.isFinite(point.step)) values.push([point.step, loss]);
    else skipped++;
  }
  values.sort((a, b) => a[0] - b[0]);
  return { values, skipped };
}

function makePlot(values: readonly XY[], width: number, height: number): Plot {
  const steps = values.map(([step]) => step);
  const losses = values.map(([, loss]) => loss);
  const x = niceScale(Math.min(...steps), Math.max(...steps), 6, steps.every(Number.isInteger) ? 1 : 0);
  const y = niceScale(Math.min(...losses), Math.max(...losses), 5);
  const [left, top, right, bottom] = [MARGIN.left, MARGIN.top, width - MARGIN.right, height - MARGIN.bottom];
  return {
    x,
    y,
    left,
    top,
    right,
    bottom,
    px: (step) => left + ((step - x.min) / (x.max - x.min)) * (right - left),
    py: (loss) => bottom - ((loss - y.min) / (y.max - y.min)) * (bottom - top),
  };
}

function axes(plot: Plot): string {
  const parts: string[] = [];
  for (const tick of plot.y.ticks) {
    const at = fixed(plot.py(tick));
    parts.push(`<line x1="${plot.left}" y1="${at}" x2="${plot.right}" y2="${at}" stroke="#e5e7eb"/>`);
    parts.push(text(plot.left - 6, plot.py(tick), formatTick(tick, plot.y.step), 'text-anchor="end" dominant-baseline="middle" fill="#374151"'));
  }
  for (const tick of plot.x.ticks) {
    const at = fixed(plot.px(tick));
    parts.push(`<line x1="${at}" y1="${plot.bottom}" x2="${at}" y2="${plot.bottom + 4}" stroke="#6b7280"/>`);
    parts.push(text(plot.px(tick), plot.bottom + 16, formatTick(tick, plot.x.step), 'text-anchor="middle" fill="#374151"'));
  }
  parts.push(`<line class="x-axis" x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" stroke="#6b7280"/>`);
  parts.push(`<line class="y-axis" x1="${plot.left}" y1="${plot.top}" x2="${plot.left}" y2="${plot.bottom}" stroke="#6b7280"/>`);
  const middleY = fixed((plot.top + plot.bottom) / 2);
  parts.push(text((plot.left + plot.right) / 2, plot.bottom + 34, 'step', 'text-anchor="middle" fill="#111827"'));
  parts.push(text(16, (plot.top + plot.bottom) / 2, 'loss', `text-anchor="middle" fill="#111827" transform="rotate(-90 16 ${middleY})"`));
  return parts.join('\n');
}

function legend(right: number, hasEval: boolean): string {
  const y = 16;
  const items = [
    `<line x1="${right - 190}" y1="${y}" x2="${right - 170}" y2="${y}" stroke="${TRAIN_COLOR}" stroke-width="2"/>`,
    text(right - 165, y, 'train loss', 'dominant-baseline="middle" fill="#111827"'),
  ];
  if (hasEval) {
    items.push(`<circle cx="${right - 85}" cy="${y}" r="3.5" fill="${EVAL_COLOR}"/>`);
    items.push(text(right - 77, y, 'eval loss', 'dominant-baseline="middle" fill="#111827"'));
  }
  return `<g class="legend">\n${items.join('\n')}\n</g>`;
}

function polyline(values: readonly XY[], plot: Plot, attributes: string): string {
  const coordinates = values.map(([step, loss]) => `${fixed(plot.px(step))},${fixed(plot.py(loss))}`).join(' ');
  return `<polyline ${attributes} fill="none" stroke-linejoin="round" points="${coordinates}"/>`;
}

function dots(values: readonly XY[], plot: Plot, color: string): string {
  const dot = ([step, loss]: XY) =>
    `<circle cx="${fixed(plot.px(step))}" cy="${fixed(plot.py(loss))}" r="3.5" fill="${color}"><title>step ${step}: ${loss}</title></circle>`;
  return values.map(dot).join('\n');
}

/** An SVG line chart of training loss by step, with eval loss as dots, axes, ticks, labels and a legend. */
export function lossCurveSvg(points: readonly LossCurvePoint[], options: LossChartOptions): string {
  const { width, height } = options;
  if (!(width >= 200 && height >= 120 && Number.isFinite(width) && Number.isFinite(height))) {
    throw new RangeError(`loss chart size ${width}x${height} is too small: use at least 200x120.`);
  }
  const title = options.title ?? 'Training loss';
  const open =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="${escapeMarkup(title)}" ${FONT} font-size="12">\n<title>${escapeMarkup(title)}</title>\n` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>\n` +
    `${text(MARGIN.left, 16, title, 'dominant-baseline="middle" font-weight="600" fill="#111827"')}\n`;
  const train = series(points, 'loss');
  const evaluation = series(points, 'eval_loss');
  const all = [...train.values, ...evaluation.values];
  if (all.length === 0) {
    return `${open}${text(width / 2, height / 2, 'No loss values logged yet.', 'text-anchor="middle" fill="#6b7280"')}\n</svg>\n`;
  }
  const plot = makePlot(all, width, height);
  const body = [axes(plot), legend(plot.right, evaluation.values.length > 0)];
  if (train.values.length > 1) body.push(polyline(train.values, plot, `class="train-loss" stroke="${TRAIN_COLOR}" stroke-width="1.75"`));
  else body.push(`<g class="train-loss">${dots(train.values, plot, TRAIN_COLOR)}</g>`);
  if (evaluation.values.length > 1) body.push(polyline(evaluation.values, plot, `stroke="${EVAL_COLOR}" stroke-dasharray="4 3"`));
  body.push(`<g class="eval-loss">${dots(evaluation.values, plot, EVAL_COLOR)}</g>`);
  const skipped = train.skipped + evaluation.skipped;
  if (skipped > 0) {
    const note = `${skipped} non-finite loss value${skipped === 1 ? '' : 's'} not drawn`;
    body.push(text(plot.right, height - 6, note, 'text-anchor="end" fill="#b91c1c"'));
  }
  return `${open}${body.join('\n')}\n</svg>\n`;
}
