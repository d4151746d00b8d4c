/**
 * Student's t distribution from the regularized incomplete beta function. Written here rather
 * than taken from a library: the maintained candidate (@stdlib/stats-base-dists-t-cdf) pulls in
 * 223 packages (25 MB) for one function, jstat has had one release in five years, and
 * simple-statistics has no t distribution. test/distributions.test.ts checks every function
 * against scipy 1.10 on the same inputs (test/fixtures/make-reference.py).
 */

const lanczosCoefficients = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const halfLogTwoPi = 0.5 * Math.log(2 * Math.PI);

const stirlingThreshold = 15;

/** ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π]: the tail of Stirling's series, for x >= 15 (error below 1e-17). */
function stirlingCorrection(x: number): number {
  const inverse = 1 / x;
  const inverseSquared = inverse * inverse;
  return (
    inverse * (1 / 12 - inverseSquared * (1 / 360 - inverseSquared * (1 / 1260 - inverseSquared * (1 / 1680 - inverseSquared / 1188))))
  );
}

/** ln Γ(x) for x > 0: Stirling's series for large x, Lanczos (g = 7) below. */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x >= stirlingThreshold) return (x - 0.5) * Math.log(x) - x + halfLogTwoPi + stirlingCorrection(x);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = lanczosCoefficients[0];
  for (let i = 1; i < lanczosCoefficients.length; i++) sum += lanczosCoefficients[i] / (shifted + i);
  const t = shifted + 7.5;
  return halfLogTwoPi + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). With one large argument (the t distribution at
 * large df) the three logarithms are huge and nearly cancel, so their difference is taken inside
 * Stirling's formula instead, with log1p.
 */
export function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < stirlingThreshold) return logGamma(a) + logGamma(b) - logGamma(a + b);
  const sum = big + small;
  const bigOverSum =
    -(big - 0.5) * Math.log1p(small / big) - small * Math.log(sum) + small + stirlingCorrection(big) - stirlingCorrection(sum);
  return logGamma(small) + bigOverSum;
}

/** The continued fraction of I_x(a, b) (modified Lentz), converging fast for x < (a + 1) / (a + b + 2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= 100_000; m++) {
    const twoM = 2 * m;
    let step = (m * (b - m) * x) / ((a + twoM - 1) * (a + twoM));
    d = 1 + step * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + step / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    result *= d * c;
    step = (-(a + m) * (a + b + m) * x) / ((a + twoM) * (a + twoM + 1));
    d = 1 + step * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + step / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    result *= delta;
    if (Math.abs(delta - 1) < 1e-16) return result;
  }
  throw new Error(`the incomplete beta continued fraction did not converge (a = ${a}, b = ${b}, x = ${x})`);
}

/**
 * The regularized incomplete beta function I_x(a, b). `complement` is 1 − x, passed separately
 * by callers that know it exactly (the t distribution's far tail would lose it to rounding).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, complement = 1 - x): number {
  if (!(a > 0 && b > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 0;
  if (complement <= 0) return 1;
  const logFront = a * Math.log(x) + b * Math.log(complement) - logBeta(a, b);
  const front = Math.exp(logFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, complement)) / b;
}

/** P(T > t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTSurvival(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const squared = t * t;
  // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2); both x and 1 − x computed without cancellation.
  const twoSidedTail = regularizedIncompleteBeta(df / (df + squared), df / 2, 0.5, squared / (df + squared));
  return t > 0 ? twoSidedTail / 2 : 1 - twoSidedTail / 2;
}

/** P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  return studentTSurvival(-t, df);
}

/** The t with P(T ≤ t) = p: bisection on the survival function, to about 1e-13 relative. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  const tail = Math.min(p, 1 - p);
  let low = 0;
  let high = 1;
  while (studentTSurvival(high, df) > tail) {
    low = high;
    high *= 2;
    if (high > 1e300) break;
  }
  for (let i = 0; i < 400 && high - low > 1e-14 * high; i++) {
    const middle = (low + high) / 2;
    if (studentTSurvival(middle, df) > tail) low = middle;
    else high = middle;
  }
  const magnitude = (low + high) / 2;
  return p < 0.5 ? -magnitude : magnitude;
}
