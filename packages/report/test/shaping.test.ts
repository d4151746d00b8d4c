import { runInNewContext } from 'node:vm';
import { createRandom } from '@siamese-lab/core';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript, scriptSafeSource } from '../src/escape.ts';
import {
  bestRunsByMetric,
  ellipsePolygon,
  evenlySpacedIndices,
  metricDirection,
  nanIncidence,
  nanStepRanges,
  spread,
  stratifiedSubsample,
} from '../src/shaping.ts';
import { makeRun } from './helpers.ts';

function randomLabels(count: number, classCount: number, seed: number): Uint8Array {
  const random = createRandom(seed);
  return Uint8Array.from({ length: count }, () => random.int(classCount));
}

function countByLabel(labels: ArrayLike<number>, indices: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const index of indices) counts.set(labels[index], (counts.get(labels[index]) ?? 0) + 1);
  return counts;
}

describe('stratifiedSubsample', () => {
  it('keeps exactly maxPoints distinct, ascending, in-range indices', () => {
    const labels = randomLabels(5000, 10, 1);
    const picked = stratifiedSubsample(labels, 777, 42);
    expect(picked).toHaveLength(777);
    expect(new Set(picked).size).toBe(777);
    for (let i = 1; i < picked.length; i++) expect(picked[i]).toBeGreaterThan(picked[i - 1]);
    expect(picked[0]).toBeGreaterThanOrEqual(0);
    expect(picked[picked.length - 1]).toBeLessThan(labels.length);
  });

  it("keeps each class's share to within one point", () => {
    // Very unequal classes: 70 %, 25 %, 5 %.
    const labels = Uint8Array.from({ length: 2000 }, (_, i) => (i % 20 < 14 ? 0 : i % 20 < 19 ? 1 : 2));
    const picked = stratifiedSubsample(labels, 300, 7);
    const counts = countByLabel(labels, picked);
    const total = countByLabel(
      labels,
      Array.from({ length: labels.length }, (_, i) => i),
    );
    for (const [label, count] of total) {
      expect(Math.abs((counts.get(label) ?? 0) - (count * 300) / labels.length)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    const labels = randomLabels(3000, 4, 2);
    expect(stratifiedSubsample(labels, 500, 9)).toEqual(stratifiedSubsample(labels, 500, 9));
    expect(stratifiedSubsample(labels, 500, 9)).not.toEqual(stratifiedSubsample(labels, 500, 10));
  });

  it('keeps every point when there are no more than maxPoints', () => {
    const labels = randomLabels(120, 3, 3);
    expect(stratifiedSubsample(labels, 120, 1)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(stratifiedSubsample(labels, 1000, 1)).toHaveLength(120);
  });
});

describe('ellipsePolygon', () => {
  it('is a closed polygon whose vertices lie on the rotated one-sigma ellipse', () => {
    const center: [number, number] = [2, -1];
    const ellipse = { angleRadians: 0.7, majorStd: 3, minorStd: 0.5 };
    const polygon = ellipsePolygon(center, ellipse, 36);
    expect(polygon).toHaveLength(37);
    expect(polygon[36].x).toBeCloseTo(polygon[0].x, 12);
    expect(polygon[36].y).toBeCloseTo(polygon[0].y, 12);
    expect(polygon.map((vertex) => vertex.order)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    for (const { x, y } of polygon) {
      const dx = x - center[0];
      const dy = y - center[1];
      const along = dx * Math.cos(ellipse.angleRadians) + dy * Math.sin(ellipse.angleRadians);
      const across = -dx * Math.sin(ellipse.angleRadians) + dy * Math.cos(ellipse.angleRadians);
      expect((along / ellipse.majorStd) ** 2 + (across / ellipse.minorStd) ** 2).toBeCloseTo(1, 9);
    }
  });

  it('puts the major axis along the given angle', () => {
    const polygon = ellipsePolygon([0, 0], { angleRadians: Math.PI / 2, majorStd: 4, minorStd: 1 }, 4);
    // t = 0 is the end of the major axis: straight up for a 90° angle.
    expect(polygon[0].x).toBeCloseTo(0, 12);
    expect(polygon[0].y).toBeCloseTo(4, 12);
    expect(Math.max(...polygon.map((vertex) => Math.abs(vertex.x)))).toBeCloseTo(1, 12);
  });
});

describe('nanIncidence', () => {
  const params = (epsilon: number, optimizer: string, seed: number) => ({ 'loss.epsilon': epsilon, 'optimizer.name': optimizer, seed });

  it('gives the share of runs that hit NaN per epsilon × optimizer cell, over seeds', () => {
    const runs = [
      makeRun({ runId: '1', params: params(0, 'adam', 0), status: 'nan', nanSteps: 5, firstNanStep: 10 }),
      makeRun({ runId: '2', params: params(0, 'adam', 1), status: 'completed', nanSteps: 2, firstNanStep: 40 }),
      makeRun({ runId: '3', params: params(0, 'adam', 2), status: 'completed' }),
      makeRun({ runId: '4', params: params(0, 'sgd', 0), status: 'completed' }),
      makeRun({ runId: '5', params: params(1e-6, 'adam', 0), status: 'failed' }),
      makeRun({ runId: '6', params: params(1e-6, 'adam', 1), status: 'running', nanSteps: 1, firstNanStep: 3 }),
      // Not counted: queued, and running without NaN so far.
      makeRun({ runId: '7', params: params(1e-6, 'adam', 2), status: 'queued' }),
      makeRun({ runId: '8', params: params(1e-6, 'sgd', 0), status: 'running' }),
    ];
    const { keys, cells } = nanIncidence(runs);
    expect(keys).toEqual(['loss.epsilon', 'optimizer.name']);
    const byCell = Object.fromEntries(cells.map((cell) => [`${cell.values['loss.epsilon']}|${cell.values['optimizer.name']}`, cell]));
    expect(Object.keys(byCell).sort()).toEqual(['0.000001|adam', '0|adam', '0|sgd']);
    expect(byCell['0|adam']).toMatchObject({ hit: 2, total: 3 });
    expect(byCell['0|adam'].share).toBeCloseTo(2 / 3, 12);
    expect(byCell['0|sgd']).toMatchObject({ hit: 0, total: 1, share: 0 });
    expect(byCell['0.000001|adam']).toMatchObject({ hit: 1, total: 2, share: 0.5 });
  });

  it('puts every run in one cell when none of the keys exist', () => {
    const runs = [makeRun({ runId: '1', status: 'nan' }), makeRun({ runId: '2' })];
    const { keys, cells } = nanIncidence(runs);
    expect(keys).toEqual([]);
    expect(cells).toEqual([{ values: {}, hit: 1, total: 2, share: 0.5 }]);
  });
});

describe('best run per metric', () => {
  it('marks the highest accuracy, the lowest loss, all runs on a tie, and no anisotropy', () => {
    const runs = [
      makeRun({ runId: 'a', metrics: { nn_accuracy: 0.9, final_loss: 0.2, anisotropy: 1.0, map_at_r: 0.5 } }),
      makeRun({ runId: 'b', metrics: { nn_accuracy: 0.95, final_loss: 0.3, anisotropy: 3.0, map_at_r: 0.5 } }),
      makeRun({ runId: 'c', metrics: { nn_accuracy: 0.99, final_loss: 0.01, anisotropy: 1.1, map_at_r: null }, status: 'interrupted' }),
      makeRun({ runId: 'd', metrics: { nn_accuracy: Number.NaN, final_loss: Number.NaN, map_at_r: 0.4 } }),
    ];
    const best = bestRunsByMetric(runs, ['nn_accuracy', 'final_loss', 'anisotropy', 'map_at_r']);
    expect(best.get('nn_accuracy')).toEqual(new Set(['b']));
    expect(best.get('final_loss')).toEqual(new Set(['a']));
    expect(best.get('map_at_r')).toEqual(new Set(['a', 'b']));
    expect(best.has('anisotropy')).toBe(false);
  });

  it('knows which way each metric is better', () => {
    expect(['nn_accuracy', 'precision_at_1', 'map_at_r', 'silhouette', 'inter_intra_ratio', 'roc_auc'].map(metricDirection)).toEqual(
      Array(6).fill('higher'),
    );
    expect(metricDirection('final_loss')).toBe('lower');
    expect(metricDirection('anisotropy')).toBe('none');
    expect(metricDirection('something_else')).toBe('none');
  });
});

describe('escaping', () => {
  it('HTML-escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('makes JSON that cannot close a script element and still parses to the same value', () => {
    const value = { name: '</script><!-- <script>alert(1)</script>', line: 'a\u2028b\u2029c', amp: '&' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('keeps inlined library code from closing its script element', () => {
    const source = 'var s = "</script>"; var t = "</SCRIPT >";';
    const safe = scriptSafeSource(source);
    expect(safe.toLowerCase()).not.toContain('</script');
    expect(runInNewContext(`${safe}; [s, t];`)).toEqual(['</script>', '</SCRIPT >']);
  });
});

describe('small helpers', () => {
  it('merges consecutive NaN curve points into step ranges, whatever the logging interval', () => {
    const curve = [0, 10, 20, 30, 40, 50, 60].map((step) => ({ step, nan: step === 10 || step === 30 || step === 40 || step === 60 }));
    expect(nanStepRanges(curve)).toEqual([
      { start: 10, end: 10 },
      { start: 30, end: 40 },
      { start: 60, end: 60 },
    ]);
  });

  it('thins long curves evenly, keeping both ends', () => {
    const indices = evenlySpacedIndices(1001, 11);
    expect(indices).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(evenlySpacedIndices(5, 11)).toEqual([0, 1, 2, 3, 4]);
  });

  it('summarises finite values only', () => {
    expect(spread([1, 2, 3, null, Number.NaN])).toEqual({ count: 3, mean: 2, stdev: 1, min: 1, max: 3 });
    expect(spread([null])).toBeNull();
  });
});
