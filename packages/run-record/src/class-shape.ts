/**
 * One class's cloud of test-embedding points as a run records it (the metrics package computes
 * it, with more detail; this is the part the store keeps and the report draws).
 */
export interface ClassShape {
  label: number;
  count: number;
  /** Mean of the class's points (all dimensions). */
  centroid: number[];
  /** √(λ1/λ2) of the class's covariance: 1 for a round cloud; null when undefined. */
  axisRatio: number | null;
  /** The 1-σ ellipse of the first two dimensions. */
  ellipse: { angleRadians: number; majorStd: number; minorStd: number };
}
