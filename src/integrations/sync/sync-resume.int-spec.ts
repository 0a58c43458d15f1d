import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startSimulator, type HubspotSimulator } from '../../plugins/hubspot/simulator/hubspot.simulator';
import { startSyncApiApp, syncTestConfig } from '../../../test/support/sync-test-app';
import type { TestConnection } from '../../../test/support/test-connections';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../../../test/support/test-database';

const ROOT = join(__dirname, '../../..');
const RECORDS = 8_000;

/** Forwards to the simulator and keeps, per listing call, the paging cursor it asked for. */
async function recordingProxy(target: string): Promise<{ url: string; calls: { after: string | null; at: number }[]; close(): Promise<void> }> {
  const calls: { after: string | null; at: number }[] = [];
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', target);
    if (req.method === 'GET' && u.pathname === '/crm/v3/objects/contacts') calls.push({ after: u.searchParams.get('after'), at: Date.now() });
    const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('a sync run survives its worker being killed', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('sync-kill');
  let sim: HubspotSimulator;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let api: Awaited<ReturnType<typeof startSyncApiApp>>;
  const children: ChildProcess[] = [];

  function worker(connections: TestConnection[], label: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/sync-worker.child.ts'], {
      cwd: ROOT,
      env: { ...process.env, SYNC_TEST_DB_URL: db.url, SYNC_TEST_REDIS_PREFIX: redis.prefix, SYNC_JOB_LOCK_MS: '2000', SYNC_TEST_CONNECTIONS: JSON.stringify(connections) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
      child.on('exit', (code) => reject(new Error(`worker ${label} exited (${code}) before it was ready: ${err.slice(-2000)}`)));
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase('sync_kill');
    sim = await startSimulator({ seed: RECORDS });
    // a little latency per call, so the kill lands mid-run
    await fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 15 }) });
    proxy = await recordingProxy(sim.url);
    api = await startSyncApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix }), { withWorker: false });
  }, 60_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await api?.app.close();
    await proxy?.close();
    await sim?.close();
    await db?.drop();
    await redis.purge();
  });

  it('resumes from the checkpoint in another worker and ends equal to the platform, with no duplicates', async () => {
    const ds = api.app.get(DataSource);
    const signup = await api.http().post('/api/v1/auth/signup').send({ email: `kill-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: 'kill' }).expect(201);
    const auth = { Authorization: `Bearer ${signup.body.accessToken}` };
    const tenantId: string = signup.body.tenant.id;
    const connection: Omit<TestConnection, 'id'> = { tenantId, plugin: 'hubspot', baseUrl: proxy.url, credentials: sim.credentials };
    const id = api.access.add(connection);
    const conns = [{ ...connection, id }];

    const first = await worker(conns, 'A');
    const runId: string = (await api.http().post(`/api/v1/connections/${id}/syncs`).set(auth).send({ entity: 'contacts', mode: 'full' }).expect(202)).body.id;
    const row = async () => (await ds.query(`SELECT status, pages, added, updated, unchanged, resumes, checkpoint FROM sync_runs WHERE id = $1`, [runId]))[0];

    // kill it after some pages, well before the end
    for (let i = 0; (await row()).pages < 25; i++) {
      if (i > 1500) throw new Error('worker A never got going');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await row();
    const callsAtKill = proxy.calls.length;
    expect(atKill.status).toBe('running');
    expect(atKill.pages).toBeLessThan(RECORDS / 100);
    expect(atKill.checkpoint.cursor).toEqual(expect.any(String));
    expect(Number((await ds.query(`SELECT count(*) AS n FROM sync_records`))[0].n)).toBe(atKill.pages * 100);

    await worker(conns, 'B');
    let done = await row();
    for (let i = 0; done.status === 'running' || done.status === 'queued'; i++) {
      if (i > 1200) throw new Error(`run still ${done.status} after a minute`);
      await new Promise((r) => setTimeout(r, 50));
      done = await row();
    }
    expect(done).toMatchObject({ status: 'succeeded', pages: RECORDS / 100, added: RECORDS, updated: 0, unchanged: 0, resumes: 1 });

    const [stored] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids FROM sync_records WHERE connection_id = $1 AND deleted_at IS NULL`, [id]);
    expect(stored).toEqual({ n: RECORDS, ids: RECORDS });
    // the change log has each record added exactly once
    expect((await ds.query(`SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids FROM sync_changes WHERE run_id = $1`, [runId]))[0]).toEqual({ n: RECORDS, ids: RECORDS });

    // the new worker started at the saved cursor, never at page one
    const after = proxy.calls.slice(callsAtKill);
    expect(after[0].after).toBe(atKill.checkpoint.cursor);
    expect(after.some((c) => c.after === null)).toBe(false);
    expect(new Set(after.map((c) => c.after)).size).toBe(RECORDS / 100 - atKill.pages);

    // and the store now equals the platform: a full re-sync finds every record unchanged
    const check: string = (await api.http().post(`/api/v1/connections/${id}/syncs`).set(auth).send({ entity: 'contacts', mode: 'full' }).expect(202)).body.id;
    let verify = (await ds.query(`SELECT status, added, updated, deleted, unchanged FROM sync_runs WHERE id = $1`, [check]))[0];
    for (let i = 0; verify.status !== 'succeeded' && verify.status !== 'failed'; i++) {
      if (i > 1200) throw new Error(`verification run did not finish: ${JSON.stringify((await ds.query(`SELECT * FROM sync_runs WHERE id = $1`, [check]))[0])}`);
      await new Promise((r) => setTimeout(r, 50));
      verify = (await ds.query(`SELECT status, added, updated, deleted, unchanged FROM sync_runs WHERE id = $1`, [check]))[0];
    }
    expect(verify).toEqual({ status: 'succeeded', added: 0, updated: 0, deleted: 0, unchanged: RECORDS });
  }, 150_000);
});
