import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { startSimulator, type StripeSimulator } from '../../plugins/stripe/simulator/stripe.simulator';
import { onEnterprisePlan, startSyncApiApp, syncTestConfig } from '../../../test/support/sync-test-app';
import { pollUntil, recordingProxy, SyncWorkers } from '../../../test/support/sync-workers';
import type { TestConnection } from '../../../test/support/test-connections';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../../../test/support/test-database';
import { SYNC_QUEUE } from './sync-runs.service';

const ENTITIES = ['customers', 'products', 'invoices', 'subscriptions'] as const;

describe('two worker processes on one Redis and one database', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('sync-two');
  let sim: StripeSimulator;
  const proxies: Awaited<ReturnType<typeof recordingProxy>>[] = [];
  let api: Awaited<ReturnType<typeof startSyncApiApp>>;
  let workers: SyncWorkers;
  let ds: DataSource;
  let auth: { Authorization: string };
  let conn: string;

  /** listing calls at the simulator, keyed by endpoint and paging cursor */
  const fetchesPerPage = (path: string, since = 0) => {
    const n = new Map<string, number>();
    for (const c of sim.calls) {
      if (c.method !== 'GET' || c.path !== path || c.arrivedAt < since) continue;
      const key = String(c.query.starting_after ?? '(first page)');
      n.set(key, (n.get(key) ?? 0) + 1);
    }
    return n;
  };
  const runs = (where: string, params: unknown[] = []) => ds.query(`SELECT id, entity, status, pages, added, trigger, created_at FROM sync_runs WHERE ${where} ORDER BY created_at`, params);

  beforeAll(async () => {
    db = await createTestDatabase('sync_two');
    sim = await startSimulator({ seedCounts: { customers: 3000, products: 300, invoices: 2000, subscriptions: 1200 } });
    // a little latency per call, so runs overlap and both workers are busy at once
    await fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 15 }) });
    proxies.push(await recordingProxy(sim.url), await recordingProxy(sim.url));
    api = await startSyncApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix }), { withWorker: false });
    ds = api.app.get(DataSource);
    // the production job lock: no worker is killed here
    workers = new SyncWorkers({ dbUrl: db.url, redisPrefix: redis.prefix, lockMs: 30_000 });
    const signup = await api.http().post('/api/v1/auth/signup').send({ email: `two-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: 'two' }).expect(201);
    auth = { Authorization: `Bearer ${signup.body.accessToken}` };
    await onEnterprisePlan(api.app, signup.body.tenant.id);
    const connection: Omit<TestConnection, 'id'> = { tenantId: signup.body.tenant.id, plugin: 'stripe', baseUrl: sim.url, credentials: sim.credentials };
    conn = api.access.add(connection);
    // the same connection in both workers, each reaching the simulator through its own proxy: the proxies tell who fetched what
    await Promise.all(proxies.map((p, i) => workers.start([{ ...connection, id: conn, baseUrl: p.url }], `W${i}`)));
  }, 120_000);
  afterAll(async () => {
    await workers?.killAll();
    await api?.app.close();
    await Promise.all(proxies.map((p) => p.close()));
    await sim?.close();
    await db?.drop();
    await redis.purge();
  });

  it('runs each run in one process and fetches each page exactly once', async () => {
    const ids: string[] = [];
    for (const entity of ENTITIES) ids.push((await api.http().post(`/api/v1/connections/${conn}/syncs`).set(auth).send({ entity, mode: 'full' }).expect(202)).body.id);
    const done: { entity: (typeof ENTITIES)[number]; status: string; pages: number; added: number }[] = await pollUntil(
      () => runs('id = ANY($1)', [ids]), (rs) => rs.every((r: { status: string }) => r.status === 'succeeded' || r.status === 'failed'), 60_000, 'the four runs finishing');

    for (const r of done) {
      expect(r).toMatchObject({ status: 'succeeded', added: sim.records(r.entity).length });
      const pages = fetchesPerPage(`/v1/${r.entity}`);
      // one request per page at the platform, for as many pages as the run wrote
      expect({ entity: r.entity, pages: pages.size, fetches: [...pages.values()].filter((n) => n !== 1) }).toEqual({ entity: r.entity, pages: r.pages, fetches: [] });
      // and the whole run came through one worker
      const by = proxies.map((p) => p.calls.filter((c) => c.path === `/v1/${r.entity}`).length);
      expect(by.filter((n) => n > 0)).toEqual([r.pages]);
    }
    // both processes took work
    expect(proxies.map((p) => p.calls.length > 0)).toEqual([true, true]);
    expect((await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (entity, external_id))::int AS ids FROM sync_records`))[0])
      .toEqual({ n: done.reduce((s, r) => s + r.added, 0), ids: done.reduce((s, r) => s + r.added, 0) });
  });

  it('fires each tick of a schedule once across both processes', async () => {
    const since = Date.now();
    await api.http().put(`/api/v1/connections/${conn}/sync-schedules/products`).set(auth).send({ cron: '*/2 * * * * *', mode: 'full' }).expect(200);
    await pollUntil(() => runs(`trigger = 'schedule' AND status = 'succeeded'`), (rs) => rs.length >= 4, 30_000, 'four scheduled runs', 200);
    await api.http().delete(`/api/v1/connections/${conn}/sync-schedules/products`).set(auth).expect(204);

    const queue = api.app.get<Queue>(getQueueToken(SYNC_QUEUE));
    // nothing of the schedule left to fire, and every firing handled
    const fired = await pollUntil(async () => {
      const pending = (await queue.getJobs(['waiting', 'delayed', 'active'])).filter((j) => j.name === 'scheduled');
      const failed = (await queue.getJobs(['failed'])).filter((j) => j.name === 'scheduled');
      return { pending: pending.length, failed: failed.length, jobs: (await queue.getJobs(['completed'])).filter((j) => j.name === 'scheduled') };
    }, (s) => s.pending === 0, 10_000, 'the schedule settling');
    const scheduled = await pollUntil(() => runs(`trigger = 'schedule'`), (rs) => rs.every((r: { status: string }) => r.status === 'succeeded' || r.status === 'failed'), 20_000, 'scheduled runs finishing');

    // Bull stamps each firing of a repeatable job with the tick it is for
    const ticks = fired.jobs.map((j) => Number((j.opts as { prevMillis?: number }).prevMillis)).sort((a, b) => a - b);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    // one job per tick, on the cron's two-second grid (Bull plans the next tick when a firing starts, so
    // a machine stalled past a tick may skip it, never double it), each handled once and starting its own run
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.every((t) => t % 2000 === 0)).toBe(true);
    expect(fired.failed).toBe(0);
    // a firing handled twice would have started a run no job answers for
    const started = fired.jobs.map((j) => (j.returnvalue as { runId: string | null }).runId);
    expect(started.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(started).size).toBe(started.length);
    expect(scheduled.map((r: { id: string }) => r.id).sort()).toEqual([...started].sort());
    expect(scheduled.every((r: { status: string }) => r.status === 'succeeded')).toBe(true);
    // and each scheduled run fetched each page once
    const pages = fetchesPerPage('/v1/products', since);
    expect(pages.size).toBe(scheduled[0].pages);
    expect([...pages.values()]).toEqual(Array(pages.size).fill(scheduled.length));
  }, 60_000);
});
