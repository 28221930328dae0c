import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossCurveSvg } from './loss-chart.js';

const log = [
  { step: 1, epoch: 0.1, loss: 2.3, lr: 0.0002 },
  { step: 2, epoch: 0.2, loss: 2.0, eval_loss: 2.5 },
  { step: 3, epoch: 0.3, loss: 1.6 },
  { step: 4, epoch: 0.4, loss: 1.2, eval_loss: 1.9 },
];

function polylinePoints(svg: string, className: string): [number, number][] {
  const match = new RegExp(`<polyline class="${className}"[^>]* points="([^"]+)"`).exec(svg);
  assert.ok(match, `no polyline of class ${className}`);
  return match[1]!.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
}

describe('lossCurveSvg', () => {
  const svg = lossCurveSvg(log, { width: 400, height: 200 });

  it('is a standalone SVG of the given size with axes, labels and a title', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="400" height="200" viewBox="0 0 400 200"/);
    assert.match(svg, /<title>Training loss<\/title>/);
    assert.match(svg, /class="x-axis"/);
    assert.match(svg, /class="y-axis"/);
    assert.match(svg, />step<\/text>/);
    assert.match(svg, />loss<\/text>/);
    assert.doesNotMatch(svg, /<script|href=|<image/);
    assert.match(svg, /<\/svg>\n$/);
  });

  it('draws training loss as a polyline going down as the loss falls, left to right', () => {
    const points = polylinePoints(svg, 'train-loss');
    assert.equal(points.length, 4);
    for (let i = 1; i < points.length; i++) {
      assert.ok(points[i]![0] > points[i - 1]![0], 'x grows with step');
      assert.ok(points[i]![1] > points[i - 1]![1], 'y (downwards in SVG) grows as loss falls');
    }
  });

  it('draws eval loss as points with a legend entry', () => {
    const evalGroup = /<g class="eval-loss">([\s\S]*?)<\/g>/.exec(svg)![1]!;
    assert.equal(evalGroup.match(/<circle /g)!.length, 2);
    assert.match(svg, />eval loss<\/text>/);
  });

  it('skips non-finite losses and says so', () => {
    const withGap = lossCurveSvg([...log, { step: 5, loss: null }], { width: 400, height: 200 });
    assert.equal(polylinePoints(withGap, 'train-loss').length, 4);
    assert.match(withGap, /1 non-finite loss value not drawn/);
  });

  it('handles one point, no points, and escapes the title', () => {
    assert.match(lossCurveSvg([{ step: 7, loss: 1 }], { width: 300, height: 150 }), /<g class="train-loss"><circle /);
    assert.match(lossCurveSvg([], { width: 300, height: 150 }), /No loss values logged yet/);
    const titled = lossCurveSvg(log, { width: 300, height: 150, title: '<b>run & "x"</b>' });
    assert.match(titled, /<title>&lt;b&gt;run &amp; &quot;x&quot;&lt;\/b&gt;<\/title>/);
    assert.throws(() => lossCurveSvg(log, { width: 10, height: 10 }), /too small/);
  });
});
