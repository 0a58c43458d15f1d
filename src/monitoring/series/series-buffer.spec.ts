import { parseConfig } from '../../core/config';
import type { UpstreamCallEvent } from '../../core/upstream';
import { NO_CONNECTION } from '../entities/series.entity';
import { bucketOf } from './latency-histogram';
import { SeriesBuffer } from './series-buffer.service';
import type { SeriesCell } from './series-cell';
import type { SeriesStore } from './series.store';

/** A store that keeps what it is given (the SQL itself is covered by series.store.int-spec.ts), failing when told to. */
class KeepingStore {
  batches: SeriesCell[][] = [];
  failNext = false;
  async addMinutes(cells: readonly SeriesCell[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database down');
    }
    this.batches.push(cells.map((c) => structuredClone(c)));
  }
}

const call = (over: Partial<UpstreamCallEvent>): UpstreamCallEvent => ({ plugin: 'acme', connectionId: 'c1', tenantId: 't1', method: 'GET', status: 200, durationMs: 40, attempt: 1, ...over });

describe('the per-minute buffer', () => {
  let store: KeepingStore;
  let buffer: SeriesBuffer;

  beforeEach(() => {
    store = new KeepingStore();
    buffer = new SeriesBuffer(store as unknown as SeriesStore, parseConfig({ MONITOR_FLUSH_MS: '60000' }));
  });
  afterEach(() => buffer.flush());

  it('adds every call of a connection and minute into one cell, by kind of answer, and writes them in one batch', async () => {
    for (const e of [
      call({}), call({ status: 201, durationMs: 700 }), call({ status: 503 }), call({ status: 'error', error: 'timeout' }), call({ status: 'error', error: 'network' }),
      call({ status: 429 }), call({ status: 401 }), call({ status: 404 }), call({ connectionId: 'c2', status: 500 }), call({ tenantId: undefined }),
    ]) buffer.call(e);
    buffer.count('t1', 'c1', 'acme', 'retries', 2);
    buffer.count('t1', 'c1', 'acme', 'checks');
    await buffer.flush();
    expect(store.batches).toHaveLength(1);
    const [c1, c2] = store.batches[0];
    expect(c1).toMatchObject({
      tenantId: 't1', connectionId: 'c1', plugin: 'acme', calls: 8, errors: 6, faults: 3, errServer: 1, errTimeout: 1, errNetwork: 1,
      errRateLimited: 1, errAuth: 1, errClient: 1, retries: 2, checks: 1,
    });
    expect(c1.latencyHist[bucketOf(40)]).toBe(7);
    expect(c1.latencyHist[bucketOf(700)]).toBe(1);
    expect(c1.latencySumMs).toBe(7 * 40 + 700);
    expect(c2).toMatchObject({ connectionId: 'c2', calls: 1, faults: 1 });
    // a call without a tenant (a plugin's own test context) is not recorded
    expect(store.batches[0]).toHaveLength(2);
  });

  it("keeps each tenant's own figures (no connection) apart", async () => {
    buffer.count('t1', NO_CONNECTION, '', 'workflowRuns');
    buffer.count('t2', NO_CONNECTION, '', 'workflowRuns', 2);
    await buffer.flush();
    expect(store.batches[0].map((c) => [c.tenantId, c.workflowRuns])).toEqual([['t1', 1], ['t2', 2]]);
  });

  it('keeps a batch the database refused and adds it to the next one', async () => {
    buffer.call(call({}));
    store.failNext = true;
    await buffer.flush();
    buffer.call(call({ status: 500 }));
    await buffer.flush();
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0][0]).toMatchObject({ calls: 2, errors: 1 });
    expect(store.batches[0][0].latencyHist[bucketOf(40)]).toBe(2);
  });
});
