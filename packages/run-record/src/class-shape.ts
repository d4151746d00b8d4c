/**
 * One class's cloud of test-embedding points as a run records it (the metrics package computes
 * it, with more detail; this is the part the store keeps and the report draws).
 */
export interface ClassShape {
  label: number;
  count: number;
  /** Mean of the class's points (all dimensions). */
  centroid: number[];
  /** √(λ1/λmin) of the class's covariance: 1 for a round cloud; null when undefined or unbounded (`degenerate`). */
  axisRatio: number | null;
  /** The class lies on a line (or a flat subspace): λmin ≈ 0, an unbounded axis ratio. Absent in runs recorded before it existed. */
  degenerate?: boolean;
  /** The 1-σ ellipse of the first two dimensions. */
  ellipse: { angleRadians: number; majorStd: number; minorStd: number };
}
