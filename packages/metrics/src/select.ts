/**
 * The k-th smallest (0-based) of the first `length` values, by Floyd-Rivest selection: on a
 * large range it first recurses into a small sample window expected to bracket the k-th value,
 * so the partition that follows discards most of the range at once (~n + min(k, n−k) comparisons
 * on average, several times faster than plain quickselect when k ≪ n). Reorders `values`;
 * values must be comparable (no NaN).
 */
export function kthSmallest(values: Float64Array, length: number, k: number): number {
  selectInRange(values, k, 0, length - 1);
  return values[k];
}

function selectInRange(values: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    if (right - left > 600) {
      // Narrow to a window around the expected position of the k-th value (Floyd & Rivest, 1975).
      const n = right - left + 1,
        m = k - left + 1;
      const z = Math.log(n),
        sampleSize = 0.5 * Math.exp((2 * z) / 3);
      const deviation = 0.5 * Math.sqrt((z * sampleSize * (n - sampleSize)) / n) * (m < n / 2 ? -1 : 1);
      const windowLeft = Math.max(left, Math.floor(k - (m * sampleSize) / n + deviation));
      const windowRight = Math.min(right, Math.floor(k + ((n - m) * sampleSize) / n + deviation));
      selectInRange(values, k, windowLeft, windowRight);
    }
    // Partition [left, right] around the pivot values[k].
    const pivot = values[k];
    let i = left,
      j = right;
    swap(values, left, k);
    if (values[right] > pivot) swap(values, left, right);
    while (i < j) {
      swap(values, i, j);
      i++;
      j--;
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
    }
    if (values[left] === pivot) swap(values, left, j);
    else {
      j++;
      swap(values, j, right);
    }
    // values[j] is the pivot in its final place; keep the side that holds k.
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(values: Float64Array, i: number, j: number): void {
  const tmp = values[i];
  values[i] = values[j];
  values[j] = tmp;
}
