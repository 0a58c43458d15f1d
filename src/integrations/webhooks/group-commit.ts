/**
 * Turns many concurrent small writes into few transactions: items submitted while a flush is in
 * flight wait for the next one, which takes them all (up to maxBatch). At low load an item flushes
 * at once, alone; under load, one commit (one WAL flush) serves a whole batch of requests.
 */
export class GroupCommit<T, R> {
  private readonly waiting: { item: T; resolve(r: R): void; reject(e: unknown): void }[] = [];
  private inFlight = 0;

  constructor(
    /** writes a batch and answers one result per item, in order */
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxBatch: number; concurrency: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.opts.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.opts.maxBatch);
      this.inFlight++;
      this.flush(batch.map((b) => b.item))
        .then((results) => batch.forEach((b, i) => b.resolve(results[i])), (e: unknown) => batch.forEach((b) => b.reject(e)))
        .finally(() => {
          this.inFlight--;
          this.drain();
        });
    }
  }
}
