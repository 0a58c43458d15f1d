/**
 * Group commit: items pushed while earlier flushes are in flight are written together by the next
 * flush, so under load many executions share one round trip and at rest each item is written at
 * once (on the next turn of the event loop).
 */
export class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  /** Resolves once everything pushed so far is written. */
  settled(): Promise<void> {
    if (!this.queue.length && !this.inFlight) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private drain(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      this.flush(batch.map((b) => b.item))
        .then(
          (out) => batch.forEach((b, i) => b.resolve(out[i])),
          (e: unknown) => batch.forEach((b) => b.reject(e)),
        )
        .finally(() => {
          this.inFlight--;
          this.drain();
          if (!this.queue.length && !this.inFlight) this.idle.splice(0).forEach((r) => r());
        });
    }
  }
}
