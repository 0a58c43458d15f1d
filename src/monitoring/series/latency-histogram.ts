/**
 * Upper bounds (ms) of the latency buckets every series row counts calls into; the last bucket is
 * unbounded. Fixed, so histograms of any minutes, hours and processes add up element by element.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000];

export const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export function emptyHistogram(): number[] {
  return new Array<number>(BUCKETS).fill(0);
}

export function bucketOf(ms: number): number {
  // a linear scan beats a binary search over 15 bounds, and most calls land in the first few
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]) return i;
  return LATENCY_BOUNDS_MS.length;
}

/**
 * The q-quantile (0..1) of a histogram, interpolated linearly inside its bucket; null when empty.
 * The open last bucket answers its lower bound.
 */
export function quantile(hist: readonly number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    if (hist[i] === 0) continue;
    if (seen + hist[i] >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      if (i >= LATENCY_BOUNDS_MS.length) return lower;
      const upper = LATENCY_BOUNDS_MS[i];
      return Math.round(lower + ((rank - seen) / hist[i]) * (upper - lower));
    }
    seen += hist[i];
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

export function addHistograms(a: readonly number[] | null | undefined, b: readonly number[] | null | undefined): number[] {
  const out = emptyHistogram();
  for (let i = 0; i < BUCKETS; i++) out[i] = (a?.[i] ?? 0) + (b?.[i] ?? 0);
  return out;
}
