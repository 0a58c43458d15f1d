import { addHistograms, bucketOf, BUCKETS, emptyHistogram, LATENCY_BOUNDS_MS, quantile } from './latency-histogram';

describe('latency histograms', () => {
  it('puts a latency in the first bucket whose bound holds it, and the slowest in the open last one', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(10)).toBe(0);
    expect(bucketOf(10.5)).toBe(1);
    expect(bucketOf(999)).toBe(LATENCY_BOUNDS_MS.indexOf(1000));
    expect(bucketOf(60_000)).toBe(BUCKETS - 1);
  });

  it('answers quantiles interpolated inside their bucket', () => {
    const h = emptyHistogram();
    // 90 calls in (50, 100] ms, 10 in (1000, 1500] ms
    h[bucketOf(80)] = 90;
    h[bucketOf(1200)] = 10;
    expect(quantile(h, 0.5)).toBe(Math.round(50 + (50 / 90) * 50));
    expect(quantile(h, 0.9)).toBe(100);
    expect(quantile(h, 0.95)).toBe(1250);
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
    const slow = emptyHistogram();
    slow[BUCKETS - 1] = 3;
    expect(quantile(slow, 0.99)).toBe(30_000);
  });

  it('adds histograms element by element, treating a missing one as empty', () => {
    const a = emptyHistogram();
    a[2] = 3;
    const b = emptyHistogram();
    b[2] = 4;
    b[5] = 1;
    expect(addHistograms(a, b).filter((n) => n > 0)).toEqual([7, 1]);
    expect(addHistograms(null, b)).toEqual(b);
  });
});
