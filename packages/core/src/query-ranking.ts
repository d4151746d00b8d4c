/**
 * Ranks every query against the references by squared euclidean distance (ties to the lower
 * index; with `sameSource` a query is not its own neighbour) and fills, per query, AP@R over its
 * R nearest (R = references sharing its label; NaN when there are none) and whether its nearest
 * shares its label. `metrics` ranks this way in JavaScript and takes a faster kernel of this shape
 * (the native addon's, from `backend`) that must give the same bits.
 */
export type QueryRanking = (
  queries: Float64Array,
  queryLabels: Int32Array,
  references: Float64Array,
  referenceLabels: Int32Array,
  dim: number,
  sameSource: boolean,
  averagePrecision: Float64Array,
  hitAtOne: Uint8Array,
) => void;
