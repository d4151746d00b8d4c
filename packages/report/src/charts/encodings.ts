/**
 * What the charts share in their Vega-Lite specs: the schema, the look (config), the class
 * colours, and the "mean with a bar from low to high" layers of the spread and interval charts.
 */
export const vegaLiteSchema = 'https://vega.github.io/schema/vega-lite/v5.json';

const font = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
const axis = { labelFontSize: 11, titleFontSize: 12, gridColor: '#eeeeee' };

/** The config of every chart but the interval chart. */
export const baseConfig = {
  font,
  view: { stroke: '#d0d0d0' },
  axis,
  header: { labelFontSize: 12, titleFontSize: 12, labelLimit: 320 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400, titleLimit: 400 },
};

/** The interval chart's config: the same font and axes, default headers and legend sizes. */
export const intervalConfig = { font, axis, legend: { labelLimit: 400 } };

export function classColorScale(classNames: string[]): { domain: string[]; scheme: string } {
  return { domain: classNames, scheme: classNames.length <= 10 ? 'category10' : 'tableau20' };
}

export interface MeanAndBarOptions {
  /** The x, offset and colour channels both layers share. */
  x: object;
  xOffset: object;
  color: object;
  yTitle: string;
  barMark: object;
  meanMark: object;
  /** The mean mark's tooltip. */
  tooltip: object[];
  /** Rows with `low`, `high` and `mean`; inlined in each layer when given, else the parent's data is used. */
  values?: unknown[];
}

/** A vertical bar from each row's `low` to its `high`, and a mark at its `mean`. */
export function meanAndBarLayers(options: MeanAndBarOptions): object[] {
  const { x, xOffset, color, values } = options;
  const data = () => (values === undefined ? {} : { data: { values } });
  return [
    {
      ...data(),
      mark: options.barMark,
      encoding: {
        x,
        xOffset,
        color,
        y: { field: 'low', type: 'quantitative', title: options.yTitle, scale: { zero: false } },
        y2: { field: 'high' },
      },
    },
    {
      ...data(),
      mark: options.meanMark,
      encoding: { x, xOffset, color, y: { field: 'mean', type: 'quantitative' }, tooltip: options.tooltip },
    },
  ];
}
