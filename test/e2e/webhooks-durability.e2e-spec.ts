import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import { signWebhook } from '../../src/core/plugin-sdk';
import { startSimulator as startStripe, type StripeSimulator } from '../../src/plugins/stripe/simulator/stripe.simulator';
import { stripeSignature } from '../../src/plugins/stripe/webhooks';
import { startTestApp, type TestApp } from '../support/test-app';
import { until } from '../support/until';
import { createTestDatabase, createTestRedisPrefix } from '../support/test-database';
import { tcpProxy, type TcpProxy } from '../support/tcp-proxy';

const ROOT = join(__dirname, '../..');
const REDIS_PORT = Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379);


const eventBody = (id: string) => JSON.stringify({
  id, object: 'event', type: 'customer.updated', created: Math.floor(Date.now() / 1000), data: { object: { id: `cus_${id}`, object: 'customer' } },
});

/** A stack that takes webhooks with its worker elsewhere (or nowhere), on a Stripe connection of one tenant. */
async function stack(opts: { env?: Record<string, string>; dbUrl?: string; withWorker?: boolean; label: string }): Promise<{ t: TestApp; ds: DataSource; connectionId: string; sim: StripeSimulator; post(body: string, secret?: string): Promise<number>; close(): Promise<void> }> {
  const sim = await startStripe({ seed: 1 });
  const saved = process.env.PLUGIN_STRIPE_BASE_URL;
  process.env.PLUGIN_STRIPE_BASE_URL = sim.url;
  const db = opts.dbUrl ? { name: '', url: opts.dbUrl, drop: async () => undefined } : undefined;
  const restore = () => {
    if (saved === undefined) delete process.env.PLUGIN_STRIPE_BASE_URL;
    else process.env.PLUGIN_STRIPE_BASE_URL = saved;
  };
  let t: TestApp;
  try {
    t = await startTestApp({ label: opts.label, withWorker: opts.withWorker ?? true, db, env: { WEBHOOK_RELAY_INTERVAL_MS: '50', DATABASE_POOL_SIZE: '8', ...opts.env } });
  } catch (e) {
    await sim.close();
    restore();
    throw e;
  }
  const a = await t.signup(opts.label);
  const connectionId = (await t.http().post('/api/v1/connections').set(a.auth).send({ plugin: 'stripe', name: 'stripe', credentials: sim.credentials }).expect(201)).body.id as string;
  const agent = new Agent({ connections: 64 });
  const url = `${t.url}/webhooks/stripe/${connectionId}`;
  return {
    t, ds: t.app.get(DataSource), connectionId, sim,
    async post(body, secret = sim.credentials.webhookSecret) {
      const res = await request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', ...signWebhook(stripeSignature, secret, { body }) }, body });
      await res.body.dump();
      return res.statusCode;
    },
    async close() {
      await agent.close();
      await t.close();
      await sim.close();
      restore();
    },
  };
}

/** Posts with `concurrency` requests in flight; returns the status of each. */
async function flood(bodies: { body: string; secret?: string }[], post: (body: string, secret?: string) => Promise<number>, concurrency = 32): Promise<number[]> {
  const statuses: number[] = new Array(bodies.length);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < bodies.length; i = next++) statuses[i] = await post(bodies[i].body, bodies[i].secret);
  }));
  return statuses;
}

describe('webhook durability', () => {
  it('keeps accepting while Redis is down for 30 s, and processes every event once it is back', async () => {
    const redis: TcpProxy = await tcpProxy(REDIS_PORT);
    const s = await stack({ label: 'wh-redis', env: { REDIS_URL: `redis://127.0.0.1:${redis.port}` } });
    try {
      await redis.stop();
      // events keep arriving through the outage: two a second for 30 s
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) {
        const sent = Date.now();
        statuses.push(await s.post(eventBody(`evt_outage_${i}`)));
        await new Promise((r) => setTimeout(r, Math.max(0, 500 - (Date.now() - sent))));
      }
      expect(statuses).toEqual(Array(60).fill(200));
      // durable while Redis is gone: every event committed, each waiting in the outbox
      const [row] = await s.ds.query(`SELECT count(*)::int AS events, count(*) FILTER (WHERE status = 'pending')::int AS pending, (SELECT count(*)::int FROM webhook_outbox WHERE kind = 'event') AS outbox FROM webhook_events`);
      expect(row).toEqual({ events: 60, pending: 60, outbox: 60 });

      await redis.start();
      await until('every event processed', async () => (await s.ds.query(`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'processed'`))[0].n === 60, 60_000);
      const once = await s.ds.query(`SELECT count(*)::int AS n FROM webhook_event_attempts WHERE ok GROUP BY event_id HAVING count(*) <> 1`);
      expect(once).toEqual([]);
      expect((await s.ds.query(`SELECT count(*)::int AS n FROM webhook_outbox`))[0].n).toBe(0);
    } finally {
      await redis.start();
      await s.close();
      await redis.close();
    }
  }, 180_000);

  it('answers 503 rather than acknowledging what Postgres cannot keep, and takes the redelivery', async () => {
    const db = await createTestDatabase('wh_pg');
    const pg: TcpProxy = await tcpProxy(Number(new URL(db.url).port || 5432));
    const proxied = db.url.replace(/@127\.0\.0\.1:\d+\//, `@127.0.0.1:${pg.port}/`);
    const s = await stack({ label: 'wh-pg', dbUrl: proxied });
    try {
      const body = eventBody('evt_pg_down');
      await pg.stop();
      expect(await s.post(body)).toBe(503);
      await pg.start();
      // the platform delivers again: now it is stored (the pool reconnects) and processed
      expect(await until('accepted again', async () => (await s.post(body)) === 200, 60_000)).toBe(true);
      await until('processed', async () => (await s.ds.query(`SELECT status FROM webhook_events WHERE external_id = 'evt_pg_down'`))[0]?.status === 'processed', 60_000);
    } finally {
      await pg.start();
      await s.close();
      await pg.close();
      await db.drop();
    }
  }, 120_000);

  // The figure is 20,000: WEBHOOK_RELIABILITY_DELIVERIES=20000 runs it. The default keeps every
  // property of the test (duplicates and forgeries interleaved, a worker killed mid-way) at a size the
  // whole suite can afford on two shared cores.
  const total = Number(process.env.WEBHOOK_RELIABILITY_DELIVERIES ?? 2_000);
  it(`${total.toLocaleString('en')} deliveries, 5% duplicates and 1% forged, worker killed midway: every genuine event processed exactly once, every forged one refused`, async () => {
    const db = await createTestDatabase('wh_many');
    const redis = createTestRedisPrefix('wh-many');
    const workerEnv = { WEBHOOK_JOB_LOCK_MS: '2000' };
    // the API process takes deliveries; workers are processes of their own, one killed mid-way
    const s = await stack({ label: 'wh-many', dbUrl: db.url, withWorker: false, env: { REDIS_PREFIX: redis.prefix, ...workerEnv } });
    const workers: ChildProcess[] = [];
    const startWorker = () => new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/webhooks-worker.child.ts'], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', PLUGBOARD_ROLE: 'worker', DATABASE_URL: db.url, DATABASE_POOL_SIZE: '12', REDIS_PREFIX: redis.prefix, MIGRATE_ON_BOOT: 'false', ...workerEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.push(child);
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
      child.on('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it was ready: ${err.slice(-2000)}`)));
    });
    const kill = async (c: ChildProcess) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    };
    try {
      const forged = Math.round(total * 0.01);
      const duplicates = Math.round(total * 0.05);
      const genuine = total - forged - duplicates;
      const ids = Array.from({ length: genuine }, (_, i) => `evt_many_${i}`);
      const bodies = new Map(ids.map((id) => [id, eventBody(id)]));
      const deliveries: { body: string; secret?: string }[] = [
        ...ids.map((id) => ({ body: bodies.get(id)! })),
        ...Array.from({ length: duplicates }, (_, i) => ({ body: bodies.get(ids[(i * 7919) % genuine])! })),
        ...Array.from({ length: forged }, (_, i) => ({ body: eventBody(`evt_forged_${i}`), secret: 'whsec_forged' })),
      ];
      // interleaved, so duplicates and forgeries arrive among the rest (a fixed shuffle)
      deliveries.sort((x, y) => hash(x.body + (x.secret ?? '')) - hash(y.body + (y.secret ?? '')));

      const first = await startWorker();
      const processed = () => s.ds.query(`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'processed'`).then((r: { n: number }[]) => r[0].n);
      let processedAtKill = -1;
      const killer = until('the first worker midway', async () => (await processed()) >= genuine * 0.3, 600_000).then(async () => {
        await kill(first);
        processedAtKill = await processed();
        await startWorker();
      });
      const statuses = await flood(deliveries, s.post);
      await killer;
      // killed with work left: claimed events, queued jobs, a backlog
      expect(processedAtKill).toBeGreaterThan(0);
      expect(processedAtKill).toBeLessThan(genuine);
      const byStatus = (code: number) => statuses.filter((x) => x === code).length;
      expect({ accepted: byStatus(200), refused: byStatus(401), other: statuses.length - byStatus(200) - byStatus(401) }).toEqual({ accepted: genuine + duplicates, refused: forged, other: 0 });

      await until('every genuine event processed', async () => (await processed()) === genuine, 600_000);
      const [counts] = await s.ds.query(
        `SELECT count(*)::int AS events, count(DISTINCT external_id)::int AS distinct_ids, count(*) FILTER (WHERE external_id LIKE 'evt_forged_%')::int AS forged FROM webhook_events`,
      );
      expect(counts).toEqual({ events: genuine, distinct_ids: genuine, forged: 0 });
      // exactly one successful processing per event, whatever the killed worker had claimed
      expect(await s.ds.query(`SELECT event_id FROM webhook_event_attempts WHERE ok GROUP BY event_id HAVING count(*) <> 1`)).toEqual([]);
      expect((await s.ds.query(`SELECT count(DISTINCT event_id)::int AS n FROM webhook_event_attempts WHERE ok`))[0].n).toBe(genuine);
      const [rejected] = await s.ds.query(`SELECT coalesce(sum(count), 0)::int AS n FROM webhook_rejections WHERE reason = 'bad_signature'`);
      expect(rejected.n).toBe(forged);
    } finally {
      for (const w of workers) await kill(w);
      await s.close();
      await db.drop();
      await redis.purge();
    }
  }, 900_000);
});

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
