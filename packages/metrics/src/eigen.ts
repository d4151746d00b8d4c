/**
 * Eigenvalues of the 2×2 symmetric matrix [[xx, xy], [xy, yy]], descending.
 */
export function symmetricEigenvalues2x2(xx: number, xy: number, yy: number): [number, number] {
  const mean = (xx + yy) / 2;
  const radius = Math.hypot((xx - yy) / 2, xy);
  return [mean + radius, mean - radius];
}

/**
 * All eigenvalues of a real symmetric `size`×`size` matrix (row-major; only symmetry is assumed,
 * not definiteness), descending, by the cyclic Jacobi method: sweeps of plane rotations that
 * each zero one off-diagonal entry, until the off-diagonal mass is negligible
 * (≤ 1e-30 of the total) or 100 sweeps have run. O(size³) per sweep; a few sweeps suffice.
 * The input is not modified.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, size: number): number[] {
  if (matrix.length !== size * size) throw new Error(`symmetricEigenvalues: expected ${size * size} entries, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) offDiagonal += 2 * a[p * size + q] ** 2;
    if (offDiagonal <= 1e-30 * total) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q];
        if (apq === 0) continue;
        const app = a[p * size + p],
          aqq = a[q * size + q];
        const theta = (aqq - app) / (2 * apq);
        // t = tan of the rotation angle, the smaller root of t² + 2θt − 1 = 0 (stable for huge θ).
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let r = 0; r < size; r++) {
          if (r === p || r === q) continue;
          const arp = a[r * size + p],
            arq = a[r * size + q];
          const newRp = c * arp - s * arq,
            newRq = s * arp + c * arq;
          a[r * size + p] = a[p * size + r] = newRp;
          a[r * size + q] = a[q * size + r] = newRq;
        }
        a[p * size + p] = app - t * apq;
        a[q * size + q] = aqq + t * apq;
        a[p * size + q] = a[q * size + p] = 0;
      }
    }
  }
  const eigenvalues: number[] = [];
  for (let i = 0; i < size; i++) eigenvalues.push(a[i * size + i]);
  return eigenvalues.sort((x, y) => y - x);
}
