import type { StepMetricRow } from '@siamese-lab/store';

/** At most this many points per curve: longer curves are thinned evenly (the last point is kept). */
const maxPointsPerCurve = 400;

function thinned<T>(rows: T[]): T[] {
  if (rows.length <= maxPointsPerCurve) return rows;
  const step = (rows.length - 1) / (maxPointsPerCurve - 1);
  return Array.from({ length: maxPointsPerCurve }, (_, i) => rows[Math.round(i * step)]);
}

/**
 * Several runs' training curves overlaid in one pair of panels (loss; positive and negative pair
 * distances), coloured by run. Run labels are data values only (tooltips), never field names or
 * expressions, so user text cannot change the spec.
 */
export function overlaidCurvesSpec(curves: Array<{ runId: number; label: string; curve: StepMetricRow[] }>): unknown {
  const rows = curves.flatMap(({ runId, label, curve }) =>
    thinned(curve).map((point) => ({
      run: `run ${runId}`,
      label,
      step: point.step,
      loss: point.loss,
      positive: point.positiveDistance,
      negative: point.negativeDistance,
    })),
  );
  const runs = curves.map(({ runId }) => `run ${runId}`);
  const color = {
    field: 'run',
    type: 'nominal',
    title: null,
    scale: { domain: runs, scheme: runs.length <= 10 ? 'category10' : 'tableau20' },
  };
  const x = { field: 'step', type: 'quantitative', title: 'step' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: rows },
    hconcat: [
      {
        title: 'Training loss',
        width: 380,
        height: 220,
        transform: [{ filter: 'isValid(datum.loss)' }],
        mark: { type: 'line', strokeWidth: 1.4 },
        encoding: {
          x,
          y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
          color,
          tooltip: [{ field: 'run' }, { field: 'label' }, { field: 'step' }, { field: 'loss', format: '.4g' }],
        },
      },
      {
        title: 'Pair distances (solid: positive, dashed: negative)',
        width: 380,
        height: 220,
        transform: [{ fold: ['positive', 'negative'], as: ['pairs', 'distance'] }, { filter: 'isValid(datum.distance)' }],
        mark: { type: 'line', strokeWidth: 1.4 },
        encoding: {
          x,
          y: { field: 'distance', type: 'quantitative', title: 'mean distance', scale: { zero: false } },
          color,
          detail: { field: 'pairs' },
          strokeDash: {
            field: 'pairs',
            type: 'nominal',
            title: 'pairs',
            scale: {
              domain: ['positive', 'negative'],
              range: [
                [1, 0],
                [5, 3],
              ],
            },
          },
          tooltip: [{ field: 'run' }, { field: 'label' }, { field: 'pairs' }, { field: 'step' }, { field: 'distance', format: '.4g' }],
        },
      },
    ],
    config: { font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif', view: { stroke: '#d0d0d0' } },
  };
}
