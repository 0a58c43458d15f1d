import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import type { UpstreamCallEvent } from '../../core/upstream';
import { NO_CONNECTION } from '../entities/series.entity';
import { bucketOf } from './latency-histogram';
import { emptyCounters, type CountName, type SeriesCell } from './series-cell';
import { SeriesStore } from './series.store';

/** cells kept across failed flushes (the database down); beyond this the oldest minutes are dropped */
const MAX_CELLS = 50_000;

/**
 * This process's figures for the current minutes, in memory: every upstream call, check, sync,
 * webhook and workflow run adds to its connection's cell for the minute (a map lookup and a few
 * increments, nothing else on the call's path). The cells are written to Postgres together, one
 * statement per flush (MONITOR_FLUSH_MS after the first figure, and on shutdown), where each
 * process's minutes add up.
 */
@Injectable()
export class SeriesBuffer implements BeforeApplicationShutdown {
  private readonly log = new Logger('Monitoring');
  /** each connection's cell for the minute it is in, by connection id (unique across tenants), or tenant id for a tenant's own figures */
  private cells = new Map<string, SeriesCell>();
  /** cells of minutes that ended before the next flush */
  private retired: SeriesCell[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SeriesStore,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  /** One attempt that reached (or tried to reach) the platform. */
  call(e: UpstreamCallEvent): void {
    if (!e.tenantId) return;
    const c = this.cell(e.tenantId, e.connectionId, e.plugin);
    c.calls++;
    c.latencySumMs += e.durationMs;
    c.latencyHist[bucketOf(e.durationMs)]++;
    const s = e.status;
    if (s === 'error') {
      c.errors++;
      c.faults++;
      if (e.error === 'timeout') c.errTimeout++;
      else c.errNetwork++;
    } else if (s >= 500) {
      c.errors++;
      c.faults++;
      c.errServer++;
    } else if (s === 429) {
      c.errors++;
      c.errRateLimited++;
    } else if (s === 401 || s === 403) {
      c.errors++;
      c.errAuth++;
    } else if (s >= 400) {
      c.errors++;
      c.errClient++;
    }
  }

  /** Adds `n` to one counter of a connection's (or, with NO_CONNECTION, the tenant's) current minute. */
  count(tenantId: string, connectionId: string, plugin: string, name: CountName, n = 1): void {
    this.cell(tenantId, connectionId, plugin)[name] += n;
  }

  /** Writes the cells gathered so far; concurrent calls write one after another. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.retired, ...this.cells.values()];
    this.cells = new Map();
    this.retired = [];
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private cell(tenantId: string, connectionId: string, plugin: string): SeriesCell {
    const minute = Math.floor(Date.now() / 60_000);
    // an existing string as the key: no key is built per call
    const key = connectionId === NO_CONNECTION ? tenantId : connectionId;
    let c = this.cells.get(key);
    if (c?.minute === minute) return c;
    if (c) this.retired.push(c);
    c = { ...emptyCounters(), tenantId, connectionId, plugin, minute };
    this.cells.set(key, c);
    this.timer ??= setTimeout(() => void this.flush(), this.config.MONITOR_FLUSH_MS).unref();
    return c;
  }

  private async write(batch: SeriesCell[]): Promise<void> {
    if (!batch.length) return;
    try {
      await this.store.addMinutes(merge(batch));
    } catch (e) {
      const kept = this.keep(batch);
      this.log.warn(`could not write ${batch.length} monitoring cells (kept ${kept} for the next flush): ${(e as Error).message}`);
    }
  }

  /** Puts a failed batch back for the next flush, bounded by MAX_CELLS. */
  private keep(batch: SeriesCell[]): number {
    const room = Math.max(0, MAX_CELLS - this.retired.length - this.cells.size);
    const kept = room ? batch.slice(-room) : [];
    this.retired.push(...kept);
    this.timer ??= setTimeout(() => void this.flush(), this.config.MONITOR_FLUSH_MS).unref();
    return kept.length;
  }
}

/** One cell per connection and minute: a batch put back after a failure may hold two of the same minute. */
function merge(cells: SeriesCell[]): SeriesCell[] {
  const byKey = new Map<string, SeriesCell>();
  for (const c of cells) {
    const key = `${c.tenantId}|${c.connectionId}|${c.minute}`;
    const cur = byKey.get(key);
    if (!cur) {
      byKey.set(key, c);
      continue;
    }
    for (const k of Object.keys(c) as (keyof SeriesCell)[]) {
      if (typeof c[k] === 'number' && k !== 'minute') (cur as unknown as Record<string, number>)[k] += c[k] as number;
    }
    c.latencyHist.forEach((n, i) => (cur.latencyHist[i] += n));
  }
  return [...byKey.values()];
}
