import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startSyncApiApp, syncTestConfig } from '../../test/support/sync-test-app';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../../test/support/test-database';

const ROOT = join(__dirname, '../..');

/** Counts requests per path (and slot); /slow holds its first request open until release(). */
async function countingServer() {
  const hits = new Map<string, number>();
  const held: ServerResponse[] = [];
  let holdSlow = true;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const key = u.searchParams.get('slot') ? `${u.pathname}?${u.searchParams.get('slot')}` : u.pathname;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    req.resume();
    if (u.pathname === '/slow' && holdSlow) {
      held.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: u.pathname }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    held,
    release() {
      holdSlow = false;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('workflow executions survive their workers', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('wf-reliability');
  let api: Awaited<ReturnType<typeof startSyncApiApp>>;
  let server: Awaited<ReturnType<typeof countingServer>>;
  let auth: { Authorization: string };
  let ds: DataSource;
  const children: ChildProcess[] = [];

  function worker(label: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/workflow-worker.child.ts'], {
      cwd: ROOT,
      env: { ...process.env, WORKFLOW_TEST_DB_URL: db.url, WORKFLOW_TEST_REDIS_PREFIX: redis.prefix, WORKFLOW_JOB_LOCK_MS: '2000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
      child.on('exit', (code, signal) => reject(new Error(`worker ${label} exited (${code ?? signal}) before it was ready: ${err.slice(-2000)}`)));
    });
  }

  async function kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async function until<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, ms = 120_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('wf_reliability');
    server = await countingServer();
    api = await startSyncApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix, env: { WORKFLOW_HTTP_ALLOWED_NETWORKS: '127.0.0.0/8' } }), { withWorker: false });
    ds = api.app.get(DataSource);
    const signup = await api.http().post('/api/v1/auth/signup').send({ email: `wfr-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: 'wfr' }).expect(201);
    auth = { Authorization: `Bearer ${signup.body.accessToken}` };
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [signup.body.tenant.id]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(children.map(kill));
    await api?.app.close();
    await server?.close();
    await db?.drop();
    await redis.purge();
  });

  it('SIGKILL mid-execution of a 5-step workflow: another worker finishes it, the completed steps are not repeated, the step in flight runs once more', async () => {
    const wf = (await api.http().post('/api/v1/workflows').set(auth).send({
      name: 'five steps', trigger: { type: 'api' },
      steps: [
        { id: 'one', type: 'http_request', url: `${server.url}/one` },
        { id: 'two', type: 'transform', set: { from_one: '{{ steps.one.body.path }}' } },
        { id: 'three', type: 'http_request', url: `${server.url}/slow`, timeoutMs: 60_000 },
        { id: 'four', type: 'http_request', url: `${server.url}/four` },
        { id: 'five', type: 'transform', set: { done: '{{ steps.four.body.path }}' } },
      ],
    }).expect(201)).body;
    await api.http().post(`/api/v1/workflows/${wf.id}/activate`).set(auth).expect(200);
    const a = await worker('A');
    const run = (await api.http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).send({}).expect(202)).body;
    await until(() => server.held.length === 1, 'step three in flight');
    await kill(a);
    const atKill = (await api.http().get(`/api/v1/executions/${run.id}`).set(auth).expect(200)).body;
    expect(atKill.status).toBe('running');
    expect(atKill.steps.map((s: { stepId: string; status: string }) => [s.stepId, s.status])).toEqual([['one', 'succeeded'], ['two', 'succeeded'], ['three', 'running']]);

    server.release();
    await worker('B');
    const done = await until(async () => {
      const e = (await api.http().get(`/api/v1/executions/${run.id}`).set(auth).expect(200)).body;
      return e.status === 'succeeded' && e;
    }, 'the execution to finish on worker B');
    expect(done.steps.map((s: { stepId: string; status: string; attempts: number }) => [s.stepId, s.status, s.attempts])).toEqual([
      ['one', 'succeeded', 1], ['two', 'succeeded', 1], ['three', 'succeeded', 2], ['four', 'succeeded', 1], ['five', 'succeeded', 1],
    ]);
    expect(done.runs).toBe(2);
    expect(done.steps[4].output).toEqual({ done: '/four' });
    expect([server.hits.get('/one'), server.hits.get('/slow'), server.hits.get('/four')]).toEqual([1, 2, 1]);
  }, 300_000);

  it('a cron workflow with two worker processes fires once per slot, across a restart of one of them', async () => {
    const workers = [await worker('C'), await worker('D')];
    const wf = (await api.http().post('/api/v1/workflows').set(auth).send({
      name: 'every second', trigger: { type: 'schedule', cron: '* * * * * *', timezone: 'America/New_York' },
      steps: [{ id: 'tick', type: 'http_request', url: `${server.url}/tick?slot={{ trigger.slot }}` }],
    }).expect(201)).body;
    await api.http().post(`/api/v1/workflows/${wf.id}/activate`).set(auth).expect(200);
    // activating again (a deploy re-registering the schedule) adds no second firing
    await api.http().post(`/api/v1/workflows/${wf.id}/deactivate`).set(auth).expect(200);
    const activated = (await api.http().post(`/api/v1/workflows/${wf.id}/activate`).set(auth).expect(200)).body;
    expect(activated.nextRunAt).toEqual(expect.any(String));
    const ticks = () => [...server.hits.entries()].filter(([k]) => k.startsWith('/tick?'));
    await until(() => ticks().length >= 3, 'three slots', 90_000);
    await kill(workers[0]);
    workers[0] = await worker('C again');
    const atRestart = ticks().length;
    await until(() => ticks().length >= atRestart + 3, 'three more slots after the restart', 90_000);
    await api.http().post(`/api/v1/workflows/${wf.id}/deactivate`).set(auth).expect(200);
    await new Promise((r) => setTimeout(r, 2500));
    await Promise.all(workers.map(kill));

    const seen = ticks();
    // one execution per slot, however many workers and restarts
    const rows: { key: string; n: number; attempts: number }[] = await ds.query(
      `SELECT e.idempotency_key AS key, count(*)::int AS n, max(s.attempts)::int AS attempts
         FROM workflow_executions e JOIN workflow_step_runs s ON s.execution_id = e.id AND s.step_id = 'tick'
        WHERE e.workflow_id = $1 GROUP BY 1`,
      [wf.id],
    );
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.length).toBe(seen.length);
    // each slot's request reached the server once per attempt of its step: more than once only for a
    // step in flight on the killed worker, which its successor tried again
    const attempts = new Map(rows.map((r) => [r.key.slice('schedule:'.length), r.attempts]));
    expect(seen.filter(([k, n]) => attempts.get(k.slice('/tick?'.length)) !== n)).toEqual([]);
    expect(seen.filter(([, n]) => n > 1).length).toBeLessThanOrEqual(1);
    // slots are whole seconds, each fired once
    const slots = seen.map(([k]) => Date.parse(k.slice('/tick?'.length))).sort((x, y) => x - y);
    expect(slots.every((t) => t % 1000 === 0)).toBe(true);
    expect(new Set(slots).size).toBe(slots.length);
  }, 300_000);
});
