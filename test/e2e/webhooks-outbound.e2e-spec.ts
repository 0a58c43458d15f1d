import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { EventBus } from '../../src/core/events';
import { TenantDirectory } from '../../src/core/tenancy';
import { startSimulator as startStripe, type StripeSimulator } from '../../src/plugins/stripe/simulator/stripe.simulator';
import { startTestApp, type TenantSession, type TestApp } from '../support/test-app';
import { until } from '../support/until';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * The Standard Webhooks check, written here from the specification rather than taken from the app:
 * base64 HMAC-SHA256, keyed by the base64 part of the `whsec_` secret, of `id.timestamp.body`; the
 * header may carry several space-separated `v1,<signature>` entries.
 */
function verifiedBy(secret: string, r: Received): boolean {
  const id = String(r.headers['webhook-id']);
  const ts = String(r.headers['webhook-timestamp']);
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${ts}.${r.body}`).digest();
  return String(r.headers['webhook-signature']).split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}


/**
 * Outbound webhooks over real HTTP to a receiver on loopback that fails when told to: signed
 * deliveries, the retry schedule with one webhook-id, dead-lettering, resend, rotation, the rate
 * limit, disabling a failing endpoint, the SSRF guard, and record changes fanned out after a sync.
 */
describe('outbound webhooks', () => {
  let t: TestApp;
  let a: TenantSession;
  let ds: DataSource;
  let stripe: StripeSimulator;
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  /** per path: how many of the next requests to answer 500 */
  const failures = new Map<string, number>();
  const savedBaseUrl = process.env.PLUGIN_STRIPE_BASE_URL;

  const http = () => t.http();
  const at = (path: string) => received.filter((r) => r.path === path);
  const delivery = async (id: string) => {
    const res = await http().get(`/api/v1/webhook-deliveries/${id}`).set(a.auth);
    // the problem body says why, should this ever answer otherwise
    if (res.status !== 200) throw new Error(`GET delivery ${id}: ${res.status} ${res.text}`);
    return res.body;
  };
  /**
   * The delivery while polling for a state: one odd answer is reported and polled again (CI once saw a
   * lone 400 here that never came back); an answer that stays wrong still fails at the wait's end.
   */
  const polled = async (id: string) => {
    try {
      return await delivery(id);
    } catch (e) {
      console.warn((e as Error).message);
      return null;
    }
  };
  async function endpoint(path: string, eventTypes: string[], extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    return (await http().post('/api/v1/webhook-endpoints').set(a.auth).send({ url: `${base}${path}`, eventTypes, ...extra }).expect(201)).body;
  }
  /** the id of the endpoint's first delivery, once the fan-out has made it */
  const firstDelivery = (endpointId: string) => until('a delivery', async () => (await http().get(`/api/v1/webhook-deliveries?endpointId=${endpointId}`).set(a.auth).expect(200)).body.data[0]?.id as string | undefined);
  const test = async (endpointId: string): Promise<string> => (await http().post(`/api/v1/webhook-endpoints/${endpointId}/test`).set(a.auth).expect(202)).body.id;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const path = req.url ?? '/';
        received.push({ path, headers: req.headers, body, at: Date.now() });
        const left = failures.get(path) ?? 0;
        if (left > 0) failures.set(path, left - 1);
        res.writeHead(left > 0 ? 500 : 204).end(left > 0 ? 'not now' : undefined);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    stripe = await startStripe({ seed: 3 });
    process.env.PLUGIN_STRIPE_BASE_URL = stripe.url;
    t = await startTestApp({
      label: 'webhooks-out', withWorker: true,
      env: {
        // attempts 0.2 s apart instead of 5 s, 5 min, 30 min...
        OUTBOUND_WEBHOOK_RETRY_SCHEDULE: '0,0.2,0.2,0.2,0.2', OUTBOUND_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
        WEBHOOK_RELAY_INTERVAL_MS: '50', DATABASE_POOL_SIZE: '8',
      },
    });
    ds = t.app.get(DataSource);
    a = await t.signup('outbound-a');
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [a.tenantId]);
    t.app.get(TenantDirectory).invalidate(a.tenantId);
  });

  afterAll(async () => {
    await t?.close();
    await stripe?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    if (savedBaseUrl === undefined) delete process.env.PLUGIN_STRIPE_BASE_URL;
    else process.env.PLUGIN_STRIPE_BASE_URL = savedBaseUrl;
  });

  it('gets a delivery through on the fourth attempt, with the same webhook-id, each attempt signed and logged', async () => {
    const ep = await endpoint('/flaky', ['sync.failed']);
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    failures.set('/flaky', 3);
    t.app.get(EventBus).emit('sync.failed', a.tenantId, { runId: 'r1', connectionId: 'c1', entity: 'customers', error: 'boom' });

    const id = await firstDelivery(ep.id);
    const done = await until('delivered', async () => {
      const d = await polled(id);
      return d?.status === 'succeeded' && d;
    });
    const attempts = at('/flaky');
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(attempts[0].headers['webhook-id']).toBe(done.messageId);
    for (const r of attempts) expect(verifiedBy(ep.secret, r)).toBe(true);
    expect(verifiedBy('whsec_' + Buffer.from('not the endpoint secret at all!!').toString('base64'), attempts[0])).toBe(false);
    expect(JSON.parse(attempts[3].body)).toMatchObject({ type: 'sync.failed', data: { runId: 'r1', entity: 'customers', error: 'boom' } });
    expect(done.attemptLog.map((x: { statusCode: number }) => x.statusCode)).toEqual([500, 500, 500, 204]);
    expect(done.attemptLog[0].responseBody).toBe('not now');
    expect(done).toMatchObject({ attempts: 4, lastStatusCode: 204, lastError: null });
    // a success clears the endpoint's failure streak
    expect((await http().get(`/api/v1/webhook-endpoints/${ep.id}`).set(a.auth).expect(200)).body.failingSince).toBeNull();
  });

  it('dead-letters after the schedule, and a resend delivers it with the same webhook-id', async () => {
    const ep = await endpoint('/down', ['alert.fired']);
    failures.set('/down', 5);
    t.app.get(EventBus).emit('alert.fired', a.tenantId, { alertId: 'al_1', type: 'connection_down' });
    const id = await firstDelivery(ep.id);
    const dead = await until('dead', async () => {
      const d = await polled(id);
      return d?.status === 'dead' && d;
    });
    expect(dead.attemptLog).toHaveLength(5);
    expect(at('/down')).toHaveLength(5);
    expect((await http().get(`/api/v1/webhook-deliveries?status=dead&endpointId=${ep.id}`).set(a.auth).expect(200)).body.data.map((d: { id: string }) => d.id)).toEqual([id]);

    await http().post(`/api/v1/webhook-deliveries/${id}/resend`).set(a.auth).expect(202);
    await until('delivered on resend', async () => (await polled(id))?.status === 'succeeded');
    expect(at('/down')).toHaveLength(6);
    expect(new Set(at('/down').map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(verifiedBy(ep.secret, at('/down')[5])).toBe(true);
  });

  it('signs with both secrets while one is being rotated', async () => {
    const ep = await endpoint('/rotating', ['sync.completed']);
    const rotated = (await http().post(`/api/v1/webhook-endpoints/${ep.id}/rotate-secret`).set(a.auth).expect(200)).body;
    expect(rotated.secret).not.toBe(ep.secret);
    const id = await test(ep.id);
    await until('delivered', async () => (await polled(id))?.status === 'succeeded');
    const [r] = at('/rotating');
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiedBy(ep.secret, r)).toBe(true);
    expect(verifiedBy(rotated.secret, r)).toBe(true);
  });

  it('keeps to the endpoint rate: deliveries beyond it wait for the next second, and a wait is not an attempt', async () => {
    const ep = await endpoint('/slow', ['sync.completed'], { rateLimitPerSecond: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await test(ep.id));
    await until('all delivered', async () => (await Promise.all(ids.map(polled))).every((d) => d?.status === 'succeeded'));
    const times = at('/slow').map((r) => r.at).sort((x, y) => x - y);
    expect(times).toHaveLength(6);
    // two per one-second window: six deliveries need three windows, so they spread over more than a second
    // (unlimited, they arrive within a few milliseconds of each other); a window boundary lets at most four through in any second
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(900);
    for (let i = 0; i + 4 < times.length; i++) expect(times[i + 4] - times[i]).toBeGreaterThanOrEqual(900);
    // a deferral is not an attempt
    for (const id of ids) expect((await delivery(id)).attempts).toBe(1);
  });

  it('disables an endpoint that has failed for longer than allowed, and announces it', async () => {
    const ep = await endpoint('/gone', ['sync.completed']);
    failures.set('/gone', 100);
    const disabled: unknown[] = [];
    t.app.get(EventBus).on('webhook_endpoint.disabled', (e) => {
      disabled.push(e.data);
    });
    // as if every delivery had failed for six days (OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS is five)
    await ds.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '6 days' WHERE id = $1`, [ep.id]);
    const id = await test(ep.id);
    await until('the endpoint disabled', async () => (await http().get(`/api/v1/webhook-endpoints/${ep.id}`).set(a.auth).expect(200)).body.status === 'disabled');
    expect(disabled).toEqual([expect.objectContaining({ endpointId: ep.id })]);
    // the pending retry finds the endpoint disabled and gives up
    await until('dead', async () => (await polled(id))?.status === 'dead');
    expect(at('/gone')).toHaveLength(1);
    await http().post(`/api/v1/webhook-endpoints/${ep.id}/test`).set(a.auth).expect(409);
    // enabling again starts afresh
    const enabled = (await http().patch(`/api/v1/webhook-endpoints/${ep.id}`).set(a.auth).send({ enabled: true }).expect(200)).body;
    expect(enabled).toMatchObject({ status: 'enabled', failingSince: null, disabledReason: null });
  });

  it('refuses private, loopback and link-local targets unless the operator allowed them', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.0.0.7/hook', 'http://[::1]:9/x', 'http://127.0.0.2:9/x', 'ftp://example.com/x']) {
      const res = await http().post('/api/v1/webhook-endpoints').set(a.auth).send({ url, eventTypes: ['sync.completed'] }).expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    // an endpoint whose address became forbidden after it was created is refused when delivering, without a connection
    const ep = await endpoint('/ssrf', ['sync.completed']);
    await ds.query(`UPDATE webhook_endpoints SET url = 'http://127.0.0.2:1/ssrf' WHERE id = $1`, [ep.id]);
    const id = await test(ep.id);
    const d = await until('the attempt', async () => (await polled(id))?.attemptLog[0]);
    expect(d).toMatchObject({ statusCode: null, error: expect.stringMatching(/refused to connect to 127\.0\.0\.2: .*loopback/) });
  });

  it("sends sync.completed and each record change of a real sync, one message per change", async () => {
    const ep = await endpoint('/records', ['sync.completed', 'record.created']);
    const conn = (await http().post('/api/v1/connections').set(a.auth).send({ plugin: 'stripe', name: 'stripe', credentials: stripe.credentials }).expect(201)).body.id;
    await http().post(`/api/v1/connections/${conn}/syncs`).set(a.auth).send({ entity: 'customers', mode: 'full' }).expect(202);
    const customers = stripe.records('customers').length;
    await until('every delivery', () => at('/records').length === customers + 1);
    const types = at('/records').map((r) => JSON.parse(r.body).type).sort();
    expect(types).toEqual([...Array(customers).fill('record.created'), 'sync.completed']);
    const changes = at('/records').map((r) => JSON.parse(r.body)).filter((p) => p.type === 'record.created');
    expect(new Set(changes.map((p) => p.data.externalId))).toEqual(new Set(stripe.records('customers').map((c) => c.id)));
    expect(new Set(at('/records').map((r) => r.headers['webhook-id'])).size).toBe(customers + 1);
    for (const r of at('/records')) expect(verifiedBy(ep.secret, r)).toBe(true);
  });
});
