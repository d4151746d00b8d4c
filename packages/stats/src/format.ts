/** How numbers read in sentences: three significant digits, exponents only for tiny or huge values. */
export function formatStatistic(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e6) return value.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return Number(value.toPrecision(digits)).toString();
}

/** A difference with its sign: "+0.262". */
export function formatSigned(value: number): string {
  const text = formatStatistic(value);
  return value > 0 ? `+${text}` : text;
}

/** A p-value: two significant digits, "< 1e-4" below that. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return 'n/a';
  if (p < 1e-4) return '< 1e-4';
  return formatStatistic(p, 2);
}

/** A parameter value as a person writes it: 1e-6 rather than 0.000001. */
export function formatParameter(value: string | number | boolean | null | undefined): string {
  if (typeof value === 'number' && value !== 0 && Math.abs(value) < 1e-3) return value.toExponential();
  if (value === null || value === undefined) return '-';
  return String(value);
}

export function formatInterval(interval: { low: number; high: number } | null): string {
  return interval ? `[${formatStatistic(interval.low)}, ${formatStatistic(interval.high)}]` : '[no interval]';
}
