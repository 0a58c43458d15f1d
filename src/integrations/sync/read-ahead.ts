export interface ReadAheadOptions<T> {
  /** how much an item weighs (records in a page) */
  weight(item: T): number;
  /** the source is paused while this much weight waits unconsumed: memory stays bounded */
  maxAhead: number;
  /** a batch holds items up to this weight (always at least one item) */
  maxBatch: number;
}

/**
 * Consumes `source` in the background, at most `maxAhead` ahead of the consumer, and yields what
 * has arrived as batches: while the consumer works on one batch the next one downloads, and a slow
 * consumer gets bigger batches (fewer round trips) instead of an unbounded queue. A source failure
 * is thrown after the items that arrived before it have been yielded; leaving the loop early stops
 * the source at its next item.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, opts: ReadAheadOptions<T>): AsyncGenerator<T[]> {
  const buffer: T[] = [];
  let buffered = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | null = null;
  let wakeConsumer: (() => void) | null = null;
  let wakeProducer: (() => void) | null = null;
  const wake = (w: (() => void) | null) => w?.();

  const producer = (async () => {
    try {
      for await (const item of source) {
        buffer.push(item);
        buffered += opts.weight(item);
        wake(wakeConsumer);
        while (buffered >= opts.maxAhead && !stopped) await new Promise<void>((r) => (wakeProducer = r));
        if (stopped) return;
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake(wakeConsumer);
    }
  })();

  try {
    for (;;) {
      while (!buffer.length && !finished) await new Promise<void>((r) => (wakeConsumer = r));
      if (!buffer.length) break;
      const batch: T[] = [];
      let weight = 0;
      while (buffer.length && (batch.length === 0 || weight + opts.weight(buffer[0]) <= opts.maxBatch)) {
        const item = buffer.shift() as T;
        weight += opts.weight(item);
        batch.push(item);
      }
      buffered -= weight;
      wake(wakeProducer);
      yield batch;
    }
    if (failure) throw (failure as { error: unknown }).error;
  } finally {
    stopped = true;
    wake(wakeProducer);
    await producer;
  }
}
