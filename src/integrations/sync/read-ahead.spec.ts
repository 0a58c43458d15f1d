import { readAhead } from './read-ahead';

/** A source of numbered items that records how far it has been pulled. */
function source(n: number, opts: { failAt?: number } = {}) {
  const state = { produced: 0, returned: false };
  async function* gen(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        if (i === opts.failAt) throw new Error(`boom at ${i}`);
        await new Promise((r) => setImmediate(r));
        state.produced++;
        yield i;
      }
    } finally {
      state.returned = true;
    }
  }
  return { state, items: gen() };
}

const opts = { weight: () => 10, maxAhead: 30, maxBatch: 20 };

describe('readAhead', () => {
  it('yields every item once, in order, in batches no heavier than maxBatch', async () => {
    const { items } = source(25);
    const seen: number[] = [];
    for await (const batch of readAhead(items, opts)) {
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length * 10).toBeLessThanOrEqual(20);
      seen.push(...batch);
    }
    expect(seen).toEqual([...Array(25).keys()]);
  });

  it('stops pulling the source while maxAhead waits unconsumed', async () => {
    const { state, items } = source(100);
    const it = readAhead(items, opts)[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 50));
    // one batch out (2 items), at most maxAhead / weight = 3 waiting
    expect(state.produced).toBeLessThanOrEqual(5);
    await it.return(undefined);
    expect(state.returned).toBe(true);
  });

  it('hands out what arrived before a source failure, then throws it', async () => {
    const { items } = source(10, { failAt: 4 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of readAhead(items, opts)) seen.push(...batch);
      })(),
    ).rejects.toThrow('boom at 4');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('a slow consumer gets full batches', async () => {
    const { items } = source(12);
    const sizes: number[] = [];
    for await (const batch of readAhead(items, opts)) {
      sizes.push(batch.length);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sizes.slice(1, -1).every((s) => s === 2)).toBe(true);
  });
});
