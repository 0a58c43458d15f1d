import { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type request from 'supertest';
import { EventBus } from '../../src/core/events';
import { TenantDirectory } from '../../src/core/tenancy';
import { startSimulator, type HubspotSimulator } from '../../src/plugins/hubspot/simulator/hubspot.simulator';
import { recordHash, SyncSchedulesService } from '../../src/integrations/sync';
import hubspot from '../../src/plugins/hubspot';
import { startSyncApiApp, syncTestConfig } from '../support/sync-test-app';
import type { TestConnectionAccess } from '../support/test-connections';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

interface Run {
  id: string;
  status: string;
  mode: string;
  trigger: string;
  counts: { added: number; updated: number; deleted: number; unchanged: number };
  pages: number;
  waits: { count: number; rateLimited: number; serverErrors: number; totalMs: number };
  error: string | null;
}

describe('sync engine over the API, against the HubSpot simulator', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('sync');
  let app: NestFastifyApplication;
  let access: TestConnectionAccess;
  let http: () => ReturnType<typeof request>;
  let sim: HubspotSimulator;
  let auth: { Authorization: string };
  let tenantId: string;
  let conn: string;
  let ds: DataSource;
  let dryRunTouched: string[] = [];

  async function signup(who: string): Promise<{ auth: { Authorization: string }; tenantId: string }> {
    const res = await http().post('/api/v1/auth/signup').send({ email: `${who}-${Date.now()}-${Math.random()}@example.test`, password: 'correct horse battery staple', tenantName: who }).expect(201);
    return { auth: { Authorization: `Bearer ${res.body.accessToken}` }, tenantId: res.body.tenant.id };
  }

  async function waitRun(id: string, as = auth, ms = 60_000): Promise<Run> {
    const end = Date.now() + ms;
    for (;;) {
      const run = (await http().get(`/api/v1/sync-runs/${id}`).set(as).expect(200)).body as Run;
      if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
      if (Date.now() > end) throw new Error(`run ${id} still ${run.status}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  async function sync(body: Record<string, unknown>, connectionId = conn): Promise<Run> {
    const res = await http().post(`/api/v1/connections/${connectionId}/syncs`).set(auth).send(body);
    expect(res.status).toBe(202);
    return waitRun(res.body.id);
  }

  const count = async (sql: string, params: unknown[] = []) => Number((await ds.query(sql, params))[0].n);
  const active = () => count(`SELECT count(*) AS n FROM sync_records WHERE connection_id = $1 AND entity = 'contacts' AND deleted_at IS NULL`, [conn]);
  const changes = () => count(`SELECT count(*) AS n FROM sync_changes WHERE tenant_id = $1`, [tenantId]);
  const sim$ = (control: string, body: unknown) => fetch(`${sim.url}/__sim/${control}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ ids: string[] }>);

  beforeAll(async () => {
    db = await createTestDatabase('sync');
    sim = await startSimulator({ seed: 300 });
    ({ app, access, http } = await startSyncApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix })));
    ds = app.get(DataSource);
    ({ auth, tenantId } = await signup('sync-a'));
    // this file polls runs: the free plan's 60 requests a minute would throttle it
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [tenantId]);
    app.get(TenantDirectory).invalidate(tenantId);
    conn = access.add({ tenantId, plugin: 'hubspot', baseUrl: sim.url, credentials: sim.credentials });
  });
  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await db?.drop();
    await redis.purge();
  });

  it('a full sync stores exactly the simulator contacts, each once, mapped to the unified model', async () => {
    const run = await sync({ entity: 'contacts', mode: 'full' });
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full', counts: { added: 300, updated: 0, deleted: 0, unchanged: 0 }, pages: 3 });
    expect(await active()).toBe(300);
    expect(await count(`SELECT count(DISTINCT external_id) AS n FROM sync_records`)).toBe(300);
    expect(await changes()).toBe(300);
    const seen: { unified: { email: string } }[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await http().get(`/api/v1/records?model=contact&limit=120${q}`).set(auth).expect(200)).body;
      seen.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(300);
    expect(new Set(seen.map((r) => r.unified.email)).size).toBe(300);
    expect(seen[0].unified.email).toMatch(/@example\.com$/);
  });

  it('a re-sync of unchanged data writes nothing', async () => {
    const before = await changes();
    const maxUpdated = await ds.query(`SELECT max(updated_at) AS m FROM sync_records`);
    const run = await sync({ entity: 'contacts', mode: 'full' });
    expect(run.counts).toEqual({ added: 0, updated: 0, deleted: 0, unchanged: 300 });
    expect(await changes()).toBe(before);
    expect(await ds.query(`SELECT max(updated_at) AS m FROM sync_records`)).toEqual(maxUpdated);
  });

  it('an incremental run picks up edited records, and ignores changes to volatile fields only', async () => {
    const edited = await sim$('touch', { objectType: 'contacts', count: 7, properties: { phone: '+1 555 0199 77' } });
    const run = await sync({ entity: 'contacts', mode: 'incremental' });
    expect(run).toMatchObject({ status: 'succeeded', mode: 'incremental', counts: { added: 0, updated: 7, deleted: 0, unchanged: 0 } });
    const stored = await ds.query(`SELECT external_id, raw->'properties'->>'phone' AS phone FROM sync_records WHERE external_id = ANY($1)`, [edited.ids]);
    expect(stored.map((r: { phone: string }) => r.phone)).toEqual(Array(7).fill('+1 555 0199 77'));
    // only lastmodifieddate/updatedAt move: declared volatile by the plugin
    await sim$('touch', { objectType: 'contacts', ids: edited.ids.slice(0, 4) });
    const again = await sync({ entity: 'contacts', mode: 'incremental' });
    expect(again.counts).toEqual({ added: 0, updated: 0, deleted: 0, unchanged: 4 });
  });

  it('an incremental run applies deletions the platform reports', async () => {
    const archived = await sim$('archive', { objectType: 'contacts', count: 3 });
    const run = await sync({ entity: 'contacts', mode: 'incremental' });
    expect(run.counts).toMatchObject({ deleted: 3, added: 0 });
    expect(await active()).toBe(297);
    const deleted = await ds.query(`SELECT external_id FROM sync_records WHERE deleted_at IS NOT NULL ORDER BY external_id`);
    expect(deleted.map((r: { external_id: string }) => r.external_id)).toEqual([...archived.ids].sort());
    const feed = (await http().get('/api/v1/changes?since=0&limit=500').set(auth).expect(200)).body;
    expect(feed.data.filter((c: { op: string }) => c.op === 'deleted').map((c: { externalId: string }) => c.externalId).sort()).toEqual([...archived.ids].sort());
  });

  it('a dry run counts what it would do and writes nothing', async () => {
    dryRunTouched = (await sim$('touch', { objectType: 'contacts', count: 2, properties: { company: 'Dry Run Labs' } })).ids;
    const before = { changes: await changes(), rows: await ds.query(`SELECT md5(string_agg(encode(hash, 'hex'), ',' ORDER BY id)) AS h FROM sync_records`) };
    const run = await sync({ entity: 'contacts', mode: 'full', dryRun: true });
    expect(run).toMatchObject({ status: 'succeeded', counts: { added: 0, updated: 2, deleted: 0, unchanged: 295 } });
    expect(await changes()).toBe(before.changes);
    expect(await ds.query(`SELECT md5(string_agg(encode(hash, 'hex'), ',' ORDER BY id)) AS h FROM sync_records`)).toEqual(before.rows);
    expect(await count(`SELECT count(*) AS n FROM sync_run_pages`)).toBe(0);
  });

  it('a full run refuses to delete half the records without force, and deletes them with force', async () => {
    const gone = await sim$('archive', { objectType: 'contacts', count: 148 });
    const before = await changes();
    const refused = await sync({ entity: 'contacts', mode: 'full' });
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/refused to delete 148 of 297 contacts records/);
    expect(await active()).toBe(297);
    // the pages were written (the records the dry run saw edited, unless archived since); the deletion was not
    expect(await changes()).toBe(before + dryRunTouched.filter((id) => !gone.ids.includes(id)).length);
    const forced = await sync({ entity: 'contacts', mode: 'full', force: true });
    expect(forced).toMatchObject({ status: 'succeeded', counts: { deleted: 148, added: 0, updated: 0, unchanged: 149 } });
    expect(await active()).toBe(149);
    const deletedNow = await ds.query(`SELECT external_id FROM sync_records WHERE deleted_at IS NOT NULL AND external_id = ANY($1)`, [gone.ids]);
    expect(deletedNow).toHaveLength(148);
  });

  it('serves the change feed and platform records with cursors, and lists runs', async () => {
    const all: { id: string; op: string }[] = [];
    let since = '0';
    for (;;) {
      const page = (await http().get(`/api/v1/changes?since=${since}&limit=97`).set(auth).expect(200)).body;
      if (!page.data.length) break;
      all.push(...page.data);
      since = page.nextCursor;
    }
    expect(all).toHaveLength(await changes());
    expect(all.map((c) => Number(c.id))).toEqual([...all.map((c) => Number(c.id))].sort((a, b) => a - b));
    const platform = (await http().get('/api/v1/platforms/hubspot/contacts?limit=5').set(auth).expect(200)).body;
    expect(platform.data).toHaveLength(5);
    expect(platform.data[0].raw).toMatchObject({ id: expect.any(String), properties: expect.any(Object) });
    expect(platform.nextCursor).toEqual(expect.any(String));
    await http().get('/api/v1/records?model=contact&cursor=not-a-cursor').set(auth).expect(400);
    await http().get('/api/v1/records?model=nonsense').set(auth).expect(400);
    const runs = (await http().get(`/api/v1/sync-runs?connectionId=${conn}&limit=3`).set(auth).expect(200)).body;
    expect(runs.data).toHaveLength(3);
    const rest = (await http().get(`/api/v1/sync-runs?connectionId=${conn}&limit=50&cursor=${runs.nextCursor}`).set(auth).expect(200)).body;
    expect(runs.data.length + rest.data.length).toBe(await count(`SELECT count(*) AS n FROM sync_runs`));
  });

  it("keeps tenants apart: another tenant gets 404 on A's runs and connection, and sees none of A's records", async () => {
    const b = await signup('sync-b');
    const runId = (await ds.query(`SELECT id FROM sync_runs LIMIT 1`))[0].id;
    await http().get(`/api/v1/sync-runs/${runId}`).set(b.auth).expect(404);
    await http().post(`/api/v1/connections/${conn}/syncs`).set(b.auth).send({ entity: 'contacts' }).expect(404);
    await http().put(`/api/v1/connections/${conn}/sync-schedules/contacts`).set(b.auth).send({ cron: '0 * * * *' }).expect(404);
    expect((await http().get('/api/v1/records?model=contact').set(b.auth).expect(200)).body.data).toEqual([]);
    expect((await http().get('/api/v1/changes').set(b.auth).expect(200)).body.data).toEqual([]);
    expect((await http().get('/api/v1/sync-runs').set(b.auth).expect(200)).body.data).toEqual([]);
  });

  it('validates requests: unknown entity 422, bad mode 400', async () => {
    await http().post(`/api/v1/connections/${conn}/syncs`).set(auth).send({ entity: 'tickets' }).expect(422);
    await http().post(`/api/v1/connections/${conn}/syncs`).set(auth).send({ entity: 'contacts', mode: 'partial' }).expect(400);
  });

  it('completes through 429s and 500s and records the waits', async () => {
    const faulty = await startSimulator({ seed: 2000 });
    try {
      const c2 = access.add({ tenantId, plugin: 'hubspot', baseUrl: faulty.url, credentials: faulty.credentials });
      await fetch(`${faulty.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate429: 0.2, rate500: 0.05, retryAfterSeconds: 1 }) });
      const started = Date.now();
      const run = await sync({ entity: 'contacts', mode: 'full' }, c2);
      expect(run).toMatchObject({ status: 'succeeded', counts: { added: 2000 }, pages: 20 });
      expect(run.waits.count).toBeGreaterThan(0);
      expect(run.waits.rateLimited + run.waits.serverErrors).toBe(run.waits.count);
      // each 429 asked for a second, and was given it
      expect(Date.now() - started).toBeGreaterThanOrEqual(run.waits.rateLimited * 1000);
      expect(run.waits.totalMs).toBeGreaterThanOrEqual(run.waits.rateLimited * 1000);
      expect(await count(`SELECT count(DISTINCT external_id) AS n FROM sync_records WHERE connection_id = $1`, [c2])).toBe(2000);
    } finally {
      await faulty.close();
    }
  }, 90_000);

  it('runs on a schedule (a Bull repeatable job) and stops when the schedule is removed', async () => {
    const put = await http().put(`/api/v1/connections/${conn}/sync-schedules/contacts`).set(auth).send({ cron: '*/2 * * * * *', mode: 'incremental' }).expect(200);
    expect(put.body).toMatchObject({ entity: 'contacts', cron: '*/2 * * * * *', mode: 'incremental' });
    const schedules = app.get(SyncSchedulesService);
    expect(await schedules.repeatables()).toHaveLength(1);
    const end = Date.now() + 15_000;
    let scheduled: { id: string }[] = [];
    while (!scheduled.length && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      scheduled = await ds.query(`SELECT id FROM sync_runs WHERE trigger = 'schedule'`);
    }
    expect(scheduled.length).toBeGreaterThan(0);
    expect((await waitRun(scheduled[0].id)).status).toBe('succeeded');
    await http().delete(`/api/v1/connections/${conn}/sync-schedules/contacts`).set(auth).expect(204);
    expect(await schedules.repeatables()).toHaveLength(0);
    expect((await http().get(`/api/v1/connections/${conn}/sync-schedules`).set(auth).expect(200)).body.data).toEqual([]);
  }, 30_000);

  it('stores new records exactly, whatever characters they hold, and restores a record the store had marked deleted', async () => {
    const odd = 'tab\there "quoted" back\\slash \\N new\nline\r é 🚀 \u2028 \\x00';
    const created = await fetch(`${sim.url}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.credentials.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { email: 'odd\tchars@example.com', firstname: odd, lastname: 'O\\Brien' } }),
    }).then((r) => r.json() as Promise<{ id: string; properties: Record<string, string> }>);
    const [back] = await ds.query(`SELECT external_id FROM sync_records WHERE connection_id = $1 AND entity = 'contacts' AND deleted_at IS NULL ORDER BY id LIMIT 1`, [conn]);
    await ds.query(`UPDATE sync_records SET deleted_at = now() WHERE connection_id = $1 AND external_id = $2`, [conn, back.external_id]);

    const run = await sync({ entity: 'contacts', mode: 'full' });
    expect(run).toMatchObject({ status: 'succeeded', counts: { added: 2, updated: 0, deleted: 0 } });
    const [stored] = await ds.query(
      `SELECT id::text, raw, unified, encode(hash, 'hex') AS hash, deleted_at FROM sync_records WHERE connection_id = $1 AND external_id = $2`,
      [conn, created.id],
    );
    expect(stored.raw.properties).toMatchObject({ firstname: odd, lastname: 'O\\Brien', email: 'odd\tchars@example.com' });
    expect(stored.unified).toMatchObject({ firstName: odd, lastName: 'O\\Brien' });
    expect(stored.hash).toBe(recordHash(stored.raw, new Set(hubspot.entities.contacts.volatileFields)));
    const [restored] = await ds.query(`SELECT deleted_at FROM sync_records WHERE connection_id = $1 AND external_id = $2`, [conn, back.external_id]);
    expect(restored.deleted_at).toBeNull();
    // both are in the change feed as additions of this run, pointing at their stored rows
    const logged = await ds.query(
      `SELECT c.external_id, c.op, c.record_id::text = r.id::text AS same_row FROM sync_changes c JOIN sync_records r ON r.connection_id = c.connection_id AND r.external_id = c.external_id
        WHERE c.run_id = $1 ORDER BY c.external_id`,
      [run.id],
    );
    expect(logged).toEqual([created.id, back.external_id].sort().map((id) => ({ external_id: id, op: 'added', same_row: true })));
    // and the next run finds nothing to do
    expect((await sync({ entity: 'contacts', mode: 'full' })).counts).toMatchObject({ added: 0, updated: 0, deleted: 0 });
  });

  it("purges a connection's records when it is deleted with purge", async () => {
    expect(await active()).toBeGreaterThan(0);
    app.get(EventBus).emit('connection.deleted', tenantId, { connectionId: conn, purge: true });
    const end = Date.now() + 5000;
    while ((await count(`SELECT count(*) AS n FROM sync_records WHERE connection_id = $1`, [conn])) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(await count(`SELECT count(*) AS n FROM sync_records WHERE connection_id = $1`, [conn])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM sync_changes WHERE connection_id = $1`, [conn])).toBe(0);
  });
});
