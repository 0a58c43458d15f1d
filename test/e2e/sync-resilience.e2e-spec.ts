import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { EventBus, type PlatformEvent } from '../../src/core/events';
import type { RecordedCall } from '../../src/core/plugin-sdk/simulator';
import { RequestContext } from '../../src/core/tenancy';
import type { UpstreamPolicy } from '../../src/core/upstream';
import { ConnectionAccess } from '../../src/integrations/connections';
import { SYNC_QUEUE } from '../../src/integrations/sync';
import { startSimulator as startHubspot, type HubspotSimulator } from '../../src/plugins/hubspot/simulator/hubspot.simulator';
import { startSimulator as startStripe, type StripeSimulator } from '../../src/plugins/stripe/simulator/stripe.simulator';
import { onEnterprisePlan, startConnectedApiApp, syncTestConfig } from '../support/sync-test-app';
import { pollUntil } from '../support/sync-workers';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

interface RunRow {
  status: string;
  pages: number;
  added: number;
  resumes: number;
  error: string | null;
  waits: { count: number; totalMs: number; rateLimited: number; serverErrors: number; network: number };
  duration_ms: number | null;
}

/**
 * One deployment, talking to `platform` (a simulator), with the worker inside and real connections (credentials in the vault, status
 * machine, token refresh), on a database and Redis prefix of its own; the tenant on the
 * enterprise plan so polling is never throttled.
 */
async function deployment(label: string, platform: { close(): Promise<void> }, opts: { env?: Record<string, string>; policy?: Partial<UpstreamPolicy> } = {}) {
  const db: TestDatabase = await createTestDatabase(label);
  const redis = createTestRedisPrefix(label);
  const { app, http } = await startConnectedApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix, env: opts.env }), { policy: opts.policy })
    .catch(async (e: unknown) => {
      await db.drop();
      await platform.close();
      throw e;
    });
  const ds = app.get(DataSource);
  const res = await http().post('/api/v1/auth/signup').send({ email: `${label}-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: label }).expect(201);
  const tenantId: string = res.body.tenant.id;
  await onEnterprisePlan(app, tenantId);
  const events: PlatformEvent[] = [];
  app.get(EventBus).on('*', (e) => void events.push(e));
  return {
    app, http, ds, tenantId, events, auth: { Authorization: `Bearer ${res.body.accessToken}` },
    async sync(connectionId: string, entity: string): Promise<string> {
      return (await http().post(`/api/v1/connections/${connectionId}/syncs`).set(this.auth).send({ entity, mode: 'full' }).expect(202)).body.id;
    },
    run: async (id: string): Promise<RunRow> =>
      (await ds.query(`SELECT status, pages, added, resumes, error, waits, (extract(epoch FROM finished_at - started_at) * 1000)::int AS duration_ms FROM sync_runs WHERE id = $1`, [id]))[0],
    async finished(id: string, ms = 60_000): Promise<RunRow> {
      return pollUntil(() => this.run(id), (r) => r.status === 'succeeded' || r.status === 'failed', ms, `run ${id} finishing`, 100);
    },
    /** closes the app, drops its database and Redis keys, and stops the platform simulator */
    async close(): Promise<void> {
      await app.close();
      await db.drop();
      await redis.purge();
      await platform.close();
    },
  };
}
type Deployment = Awaited<ReturnType<typeof deployment>>;

const setFaults = (url: string, faults: Record<string, unknown>) =>
  fetch(`${url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });

/** A Stripe account of `customers` customers, where the deployment's Stripe connections go (PLUGIN_STRIPE_BASE_URL, as in production). */
async function stripeAccount(customers: number): Promise<StripeSimulator> {
  const sim = await startStripe({ seedCounts: { customers, products: 0, invoices: 0, subscriptions: 0 } });
  process.env.PLUGIN_STRIPE_BASE_URL = sim.url;
  return sim;
}

async function stripeConnection(d: Deployment, sim: StripeSimulator, name: string): Promise<string> {
  const created = await d.http().post('/api/v1/connections').set(d.auth).send({ plugin: 'stripe', name, credentials: { secretKey: sim.credentials.secretKey } }).expect(201);
  expect(created.body.status).toBe('healthy');
  return created.body.id;
}

describe('sync resilience against the platform simulators, real connections', () => {
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
  });

  describe('20% 429 with Retry-After and 5% 500 (Stripe)', () => {
    let d: Deployment;
    let sim: StripeSimulator;

    beforeAll(async () => {
      sim = await stripeAccount(2500);
      // enough retries per call that 25% failures never exhaust them
      d = await deployment('sync_faults', sim, { policy: { maxAttempts: 10 } });
    }, 60_000);
    afterAll(() => d?.close());

    it('completes, never calls before a Retry-After has passed, and records every wait', async () => {
      const conn = await stripeConnection(d, sim, 'Stripe faulty');
      await setFaults(sim.url, { rate429: 0.2, rate500: 0.05, retryAfterSeconds: 1 });
      const from = sim.calls.length;
      const runId = await d.sync(conn, 'customers');
      const run = await d.finished(runId, 90_000);
      expect(run).toMatchObject({ status: 'succeeded', added: 2500, pages: 25 });

      // the run's own calls: the scheduled health check of the connection may call the platform meanwhile
      const calls = sim.calls.slice(from).filter((c) => c.path === '/v1/customers');
      const limited = calls.filter((c) => c.status === 429);
      const failed = calls.filter((c) => c.status === 500);
      expect(limited.length).toBeGreaterThan(0);
      expect(calls.every((c) => [200, 429, 500].includes(c.status))).toBe(true);
      // the run's calls are one after another: the first to arrive after each 429's answer came no sooner than its Retry-After
      for (const l of limited) {
        const next = calls.find((c) => c.arrivedAt >= l.at && c !== l) as RecordedCall;
        expect({ after429At: l.at, gapMs: next.arrivedAt - l.at >= 1000 ? '>= 1000' : next.arrivedAt - l.at }).toEqual({ after429At: l.at, gapMs: '>= 1000' });
      }
      // every 429 and 500 the platform answered is a wait in the run, and the 429s' waits are their Retry-After
      expect(run.waits).toMatchObject({ rateLimited: limited.length, serverErrors: failed.length, network: 0, count: limited.length + failed.length });
      expect(run.waits.totalMs).toBeGreaterThanOrEqual(limited.length * 1000);
      const view = (await d.http().get(`/api/v1/sync-runs/${runId}`).set(d.auth).expect(200)).body;
      expect(view.waits).toEqual(run.waits);
      expect((await d.ds.query(`SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids FROM sync_records WHERE connection_id = $1`, [conn]))[0]).toEqual({ n: 2500, ids: 2500 });
    }, 90_000);
  });

  describe('100% failure: the circuit opens, the run pauses, and the same run finishes after recovery (Stripe)', () => {
    let d: Deployment;
    let sim: StripeSimulator;
    const HALF_OPEN_MS = 1000;

    beforeAll(async () => {
      sim = await stripeAccount(3000);
      // a breaker an operator might tune for a platform: over half the calls of the last 0.5 s failed (3 calls at least)
      d = await deployment('sync_circuit', sim, {
        policy: { maxAttempts: 10, maxBackoffMs: 100, breakerThreshold: 0.5, breakerWindowMs: 500, breakerMinimumRps: 6, halfOpenAfterMs: HALF_OPEN_MS },
      });
    }, 60_000);
    afterAll(() => d?.close());

    it('stops calling while open (half-open probes only), degrades the connection with a reason, and closes, heals and finishes the run on recovery', async () => {
      const conn = await stripeConnection(d, sim, 'Stripe flaky');
      await setFaults(sim.url, { latencyMs: 30 });
      const runId = await d.sync(conn, 'customers');
      await pollUntil(() => d.run(runId), (r) => r.pages >= 5, 30_000, 'five pages written', 20);
      await setFaults(sim.url, { latencyMs: 30, down: true });

      const circuit = () => d.events.filter((e) => e.type.startsWith('upstream.circuit_') && e.data.connectionId === conn);
      await pollUntil(async () => circuit().map((e) => e.type), (t) => t.filter((x) => x === 'upstream.circuit_half_opened').length >= 2, 20_000, 'two failed probes');
      // while open the run waits, resumable, instead of failing
      const paused = await pollUntil(() => d.run(runId), (r) => r.error !== null, 5000, 'the pause noted on the run');
      expect(paused).toMatchObject({ status: 'running', error: expect.stringMatching(/circuit is open/) });
      const degraded = await pollUntil(async () => (await d.http().get(`/api/v1/connections/${conn}`).set(d.auth).expect(200)).body, (c) => c.status !== 'healthy', 5000, 'the connection degrading');
      expect(degraded).toMatchObject({ status: 'degraded', statusReason: expect.stringMatching(/circuit opened/) });

      await setFaults(sim.url, { latencyMs: 30 });
      const run = await d.finished(runId, 30_000);
      expect(run).toMatchObject({ status: 'succeeded', added: 3000, pages: 30, error: null });
      expect(run.resumes).toBeGreaterThanOrEqual(2);

      // the circuit's story, every event naming the tenant: opened, failed probes reopening it, the good probe closing it
      const story = circuit();
      expect(story.every((e) => e.tenantId === d.tenantId && e.data.plugin === 'stripe')).toBe(true);
      const types = story.map((e) => e.type.replace('upstream.circuit_', ''));
      expect(types.join(' ')).toMatch(/^opened( half_opened opened)+ half_opened closed$/);
      // at the platform: from the opening to the closing, only the half-open probes, each one call
      const opened = story[0].occurredAt.getTime();
      const closed = story.at(-1)!.occurredAt.getTime();
      const probes = types.filter((t) => t === 'half_opened').length;
      const whileOpen = sim.calls.filter((c) => c.arrivedAt >= opened && c.arrivedAt <= closed);
      expect(whileOpen.map((c) => c.status)).toEqual([...Array(probes - 1).fill(503), 200]);
      // each probe went out after its half-open delay
      const halfOpens = story.filter((e) => e.type === 'upstream.circuit_half_opened').map((e) => e.occurredAt.getTime());
      const opens = story.filter((e) => e.type === 'upstream.circuit_opened').map((e) => e.occurredAt.getTime());
      // (the open event is stamped a moment after the breaker's own clock starts the delay)
      halfOpens.forEach((h, i) => expect(h - opens[i]).toBeGreaterThanOrEqual(HALF_OPEN_MS - 10));
      whileOpen.forEach((c, i) => expect(c.arrivedAt).toBeGreaterThanOrEqual(halfOpens[i]));

      // the connection's history: degraded with the reason while open, healthy again once closed
      await pollUntil(async () => (await d.http().get(`/api/v1/connections/${conn}`).set(d.auth)).body.status, (s) => s === 'healthy', 5000, 'the connection healing');
      const history = (await d.http().get(`/api/v1/connections/${conn}/transitions`).set(d.auth).expect(200)).body.data;
      expect(history.map((h: { from: string | null; to: string }) => `${h.from}->${h.to}`)).toEqual(['null->healthy', 'healthy->degraded', 'degraded->healthy']);
      expect(history[1].reason).toMatch(/^stripe .*circuit opened/);
      expect(history[2].reason).toMatch(/^stripe .*circuit closed/);

      // each pause re-queued the run for the probe time with its attempts intact: no attempt was spent
      const jobs = (await d.app.get<Queue>(getQueueToken(SYNC_QUEUE)).getJobs(['completed', 'failed'])).filter((j) => j.data.runId === runId);
      expect(jobs.length).toBe(run.resumes + 1);
      expect(jobs.map((j) => [j.attemptsMade, j.opts.attempts, j.failedReason ?? null])).toEqual(jobs.map(() => [0, 5, null]));
      expect(jobs.filter((j) => (j.returnvalue as { status: string }).status === 'paused')).toHaveLength(run.resumes);
      // nothing doubled by the pauses
      expect((await d.ds.query(`SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids FROM sync_records WHERE connection_id = $1`, [conn]))[0]).toEqual({ n: 3000, ids: 3000 });
      expect((await d.ds.query(`SELECT count(*)::int AS n FROM sync_changes WHERE run_id = $1 AND op = 'added'`, [runId]))[0].n).toBe(3000);
    }, 60_000);
  });

  describe('OAuth tokens shorter-lived than the work (HubSpot)', () => {
    let d: Deployment;
    let sim: HubspotSimulator;
    let conn: string;
    const simCount = async (filter: { path?: string; status?: number }) =>
      ((await (await fetch(`${sim.url}/__sim/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(filter) })).json()) as { count: number }).count;

    beforeAll(async () => {
      sim = await startHubspot({ seed: 3000, accessTokenTtlSeconds: 4 });
      Object.assign(process.env, { PLUGIN_HUBSPOT_BASE_URL: sim.url, PLUGIN_HUBSPOT_CLIENT_ID: sim.oauthClient.clientId, PLUGIN_HUBSPOT_CLIENT_SECRET: sim.oauthClient.clientSecret });
      // refreshed when two seconds or less are left of a four-second token
      d = await deployment('sync_tokens', sim, { env: { OAUTH_REFRESH_MARGIN_SECONDS: '2' } });
      const redirectUri = `${await d.app.getUrl()}/oauth/callback`;
      const start = await d.http().get('/api/v1/connections/oauth/hubspot/start').query({ name: 'HubSpot portal', redirectUri }).set(d.auth).expect(200);
      const back = new URL((await fetch(start.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
      conn = (await d.http().get('/oauth/callback').query({ code: back.searchParams.get('code'), state: back.searchParams.get('state') }).expect(200)).body.id;
    }, 60_000);
    afterAll(() => d?.close());

    it('refreshes ahead of expiry during a sync longer than the token lives: not one call is refused', async () => {
      await setFaults(sim.url, { latencyMs: 200 });
      const refreshesBefore = await simCount({ path: '/oauth/v1/token' });
      const run = await d.finished(await d.sync(conn, 'contacts'));
      expect(run).toMatchObject({ status: 'succeeded', added: 3000, pages: 30 });
      // the sync outlived its token, and each token it outlived was replaced before it ran out
      expect(run.duration_ms).toBeGreaterThan(4000);
      expect(await simCount({ path: '/oauth/v1/token' })).toBeGreaterThanOrEqual(refreshesBefore + Math.floor(run.duration_ms! / 4000));
      expect(await simCount({ status: 401 })).toBe(0);
    }, 60_000);

    it('refreshes once for twenty concurrent callers of one client whose token is running out', async () => {
      await setFaults(sim.url, {});
      const principal = { kind: 'system' as const, tenantId: d.tenantId, actorId: 'test', role: 'owner' as const, scopes: ['read', 'write'] as const, plan: 'enterprise' as const, rateLimit: 0 };
      const opened = await d.app.get(RequestContext).runAsTenant(principal, () => d.app.get(ConnectionAccess).open(conn));
      // whatever the token had left when the client was made (2 to 4 s), in 2.2 s it is within the two-second margin (or gone)
      await new Promise((r) => setTimeout(r, 2200));
      const before = await simCount({ path: '/oauth/v1/token' });
      const results = await Promise.all(Array.from({ length: 20 }, () => opened.context.http.get<{ portalId: number }>('/account-info/v3/details')));
      expect(results.map((r) => r.portalId)).toEqual(Array(20).fill(sim.portalId));
      expect(await simCount({ path: '/oauth/v1/token' })).toBe(before + 1);
      expect(await simCount({ status: 401 })).toBe(0);
    });
  });
});
