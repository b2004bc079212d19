// Summaries of repeated bench runs, shared by the sections.

// min, median (mean of the middle two for an even count), max, and max/min.
export function quantiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  return { min: sorted[0], median, max: sorted[n - 1], spread: sorted[n - 1] / sorted[0] };
}
