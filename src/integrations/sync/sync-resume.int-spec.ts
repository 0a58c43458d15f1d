import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import type { SyncDefinition } from '../../core/plugin-sdk';
import stripe from '../../plugins/stripe';
import { startSimulator, type StripeSimulator } from '../../plugins/stripe/simulator/stripe.simulator';
import { onEnterprisePlan, startSyncApiApp, syncTestConfig } from '../../../test/support/sync-test-app';
import { pollUntil, SyncWorkers } from '../../../test/support/sync-workers';
import type { TestConnection } from '../../../test/support/test-connections';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../../../test/support/test-database';
import { recordHash } from './record-hash';

/**
 * Stripe pages 100 records at 100 calls a second (its documented limit, which the connection's
 * budget keeps to): 100,000 customers are 1,000 pages, about 11 s of calls at the most.
 */
const RECORDS = 100_000;
const PAGE = 100;
const PAGES = RECORDS / PAGE;

describe('a 100,000-record sync survives its worker being killed', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('sync-kill');
  let sim: StripeSimulator;
  let api: Awaited<ReturnType<typeof startSyncApiApp>>;
  let workers: SyncWorkers;

  beforeAll(async () => {
    db = await createTestDatabase('sync_kill');
    sim = await startSimulator({ seedCounts: { customers: RECORDS, products: 0, invoices: 0, subscriptions: 0 } });
    api = await startSyncApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix }), { withWorker: false });
    workers = new SyncWorkers({ dbUrl: db.url, redisPrefix: redis.prefix });
  }, 120_000);
  afterAll(async () => {
    await workers?.killAll();
    await api?.app.close();
    await sim?.close();
    await db?.drop();
    await redis.purge();
  });

  it('resumes from the checkpoint in a new worker and ends equal to the platform: same ids, same content, no duplicates, each addition logged once', async () => {
    const ds = api.app.get(DataSource);
    const signup = await api.http().post('/api/v1/auth/signup').send({ email: `kill-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: 'kill' }).expect(201);
    const auth = { Authorization: `Bearer ${signup.body.accessToken}` };
    await onEnterprisePlan(api.app, signup.body.tenant.id);
    const connection: Omit<TestConnection, 'id'> = { tenantId: signup.body.tenant.id, plugin: 'stripe', baseUrl: sim.url, credentials: sim.credentials };
    const id = api.access.add(connection);
    const conns = [{ ...connection, id }];
    const listings = () => sim.calls.filter((c) => c.method === 'GET' && c.path === '/v1/customers');

    const first = await workers.start(conns, 'A');
    const runId: string = (await api.http().post(`/api/v1/connections/${id}/syncs`).set(auth).send({ entity: 'customers', mode: 'full' }).expect(202)).body.id;
    const row = async () => (await ds.query(`SELECT status, pages, added, updated, unchanged, resumes, checkpoint FROM sync_runs WHERE id = $1`, [runId]))[0];

    // killed about a third of the way in
    await pollUntil(row, (r) => r.pages >= 300, 90_000, 'worker A writing 300 pages', 20);
    await workers.kill(first);
    const killedAt = Date.now();
    const atKill = await row();
    expect(atKill.status).toBe('running');
    expect(atKill.pages).toBeLessThan(PAGES);
    expect(atKill.checkpoint.cursor).toEqual(expect.any(String));
    // the checkpoint and the pages' writes commit together: exactly the checkpointed pages are stored
    expect((await ds.query(`SELECT count(*)::int AS n FROM sync_records`))[0].n).toBe(atKill.pages * PAGE);

    await workers.start(conns, 'B');
    const done = await pollUntil(row, (r) => r.status !== 'running' && r.status !== 'queued', 120_000, 'the resumed run finishing', 100);
    expect(done).toMatchObject({ status: 'succeeded', pages: PAGES, added: RECORDS, updated: 0, unchanged: 0, resumes: 1 });

    // the new worker started at the saved cursor (never at page one) and fetched each remaining page once
    // (a call the platform's own rate limit refused, if the machine stalled one past the budget, is asked again)
    const after = listings().filter((c) => c.arrivedAt > killedAt);
    expect(after[0].query.starting_after).toBe(atKill.checkpoint.cursor);
    expect(after.every((c) => typeof c.query.starting_after === 'string' && (c.status === 200 || c.status === 429))).toBe(true);
    const fetched = after.filter((c) => c.status === 200).map((c) => c.query.starting_after);
    expect(new Set(fetched).size).toBe(fetched.length);
    expect(fetched).toHaveLength(PAGES - atKill.pages);

    // one row per platform record, none deleted, and each addition in the change log once
    expect((await ds.query(`SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids, count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted FROM sync_records WHERE connection_id = $1`, [id]))[0])
      .toEqual({ n: RECORDS, ids: RECORDS, deleted: 0 });
    expect((await ds.query(`SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids, count(*) FILTER (WHERE op = 'added')::int AS added FROM sync_changes WHERE run_id = $1`, [runId]))[0])
      .toEqual({ n: RECORDS, ids: RECORDS, added: RECORDS });

    // the store equals the platform: every id, each stored hash and raw content the simulator's
    const volatile = new Set((stripe.entities.customers as SyncDefinition<unknown>).volatileFields ?? []);
    const platform = new Map(sim.records('customers').map((r) => [r.id, r]));
    expect(platform.size).toBe(RECORDS);
    const mismatches: string[] = [];
    let seen = 0;
    for (let last = '0'; ;) {
      const chunk: { id: string; external_id: string; hash: string; raw: unknown }[] = await ds.query(
        `SELECT id, external_id, encode(hash, 'hex') AS hash, raw FROM sync_records WHERE connection_id = $1 AND id > $2 ORDER BY id LIMIT 10000`, [id, last]);
      if (!chunk.length) break;
      for (const r of chunk) {
        const expected = platform.get(r.external_id);
        if (!expected) mismatches.push(`${r.external_id}: not on the platform`);
        else if (r.hash !== recordHash(expected, volatile)) mismatches.push(`${r.external_id}: hash differs`);
        else if (!isDeepStrictEqual(r.raw, expected)) mismatches.push(`${r.external_id}: content differs`);
      }
      seen += chunk.length;
      last = chunk[chunk.length - 1].id;
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(seen).toBe(RECORDS);
  }, 240_000);
});
