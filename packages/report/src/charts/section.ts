import type { TopLevelSpec } from 'vega-lite';

/** One chart of the report: its text, and its Vega-Lite spec with the data inlined. */
export interface ChartSection {
  /** Fixed identifier (never from user input): used for element ids and SVG file names. */
  id: string;
  title: string;
  /** One sentence on how to read the chart. */
  howToRead: string;
  /** Extra facts about what is shown (subsampling, seed choice). */
  notes: string[];
  spec: TopLevelSpec | null;
  /** Set when there is nothing to draw; shown instead of an empty chart. */
  emptyReason?: string;
}

export interface ChartOptions {
  maxPointsPerRun: number;
  /** Longer curves are thinned evenly (NaN steps are kept as bands regardless). */
  maxCurvePointsPerRun: number;
}

/** A section without a spec yet: each chart fills in `spec`, or `emptyReason` when there is nothing to draw. */
export function newChartSection(id: string, title: string, howToRead: string, notes: string[] = []): ChartSection {
  return { id, title, howToRead, notes, spec: null };
}
