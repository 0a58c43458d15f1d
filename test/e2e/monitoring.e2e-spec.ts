import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { createWorkerContext, loadPlugins } from '../../src/app/bootstrap';
import { EventBus, type PlatformEvent } from '../../src/core/events';
import type { RunningSimulator } from '../../src/core/plugin-sdk';
import { RequestContext } from '../../src/core/tenancy';
import { VaultService } from '../../src/core/vault';
import { SeriesBuffer, SeriesStore, WorkerMetricsServer } from '../../src/monitoring';
import { ConditionEvaluator } from '../../src/monitoring/alerts/condition-evaluator.service';
import { emptyCounters } from '../../src/monitoring/series/series-cell';
import { bucketOf } from '../../src/monitoring/series/latency-histogram';
import hubspot from '../../src/plugins/hubspot';
import stripe from '../../src/plugins/stripe';
import { startSimulator as startTwilio, type TwilioSimulator } from '../../src/plugins/twilio/simulator/twilio.simulator';
import { startSmtpSink, type SunkMail } from '../support/smtp-sink';
import { startConnectedApiApp, syncTestConfig } from '../support/sync-test-app';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

jest.setTimeout(120_000);

const METRICS_TOKEN = 'scrape-me-0123456789abcdef';
/** two attempts per call and a breaker that opens after five failures in a row, so outages show within seconds */
const FAST = { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 20, breakerMinimumRps: 0, halfOpenAfterMs: 1500 };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback receiver for the Slack and webhook channels; `/fail` answers 500. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      received.push({ path, headers: req.headers, body });
      res.writeHead(path === '/fail' ? 500 : 200).end(path === '/fail' ? 'no' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Polls until `fn` returns something other than undefined/false (the condition, not a duration, is what is asserted). */
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The value of one Prometheus sample, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const inner = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (want.every((w) => inner.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('monitoring, alerting and analytics (the whole app, with its worker)', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('monitoring');
  let app: NestFastifyApplication;
  let http: () => ReturnType<typeof request>;
  let stripeSim: RunningSimulator;
  let twilioSim: TwilioSimulator;
  let hubspotSim: RunningSimulator & { oauthClient: { clientId: string; clientSecret: string } };
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const savedEnv = { ...process.env };
  const fired: PlatformEvent[] = [];
  let owner: { Authorization: string };
  let tenantId: string;
  let stripeId: string;
  let twilioId: string;
  let signingSecret: string;

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => app.get(DataSource).query(text, params);

  async function signup(label: string): Promise<{ auth: { Authorization: string }; tenantId: string }> {
    const res = await http().post('/api/v1/auth/signup').send({ email: `${label}-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: label }).expect(201);
    // these tests poll the API and connect three platforms: a plan with room for that, and a limit no plan has
    await sql("UPDATE tenants SET rate_limit_override = 1000000, plan = 'professional' WHERE id = $1", [res.body.tenant.id]);
    return { auth: { Authorization: `Bearer ${res.body.accessToken}` }, tenantId: res.body.tenant.id };
  }

  const alertsOf = async (auth: Record<string, string>, query: string) => (await http().get(`/api/v1/alerts?${query}`).set(auth).expect(200)).body.data as { id: string; status: string; occurrences: number; title: string; resolution: string | null; connectionId: string | null }[];
  const mails = (pattern: RegExp): SunkMail[] => smtp.messages.filter((m) => pattern.test(m.data.replace(/\r\n[ \t]+/g, ' ')));
  const posts = (path: string, pattern: RegExp): Received[] => receiver.received.filter((r) => r.path === path && pattern.test(r.body));
  const texts = (pattern: RegExp) => twilioSim.messages.filter((m) => pattern.test(m.body ?? ''));
  const inbox = async (auth: Record<string, string>, pattern: RegExp) => ((await http().get('/api/v1/notifications?limit=200').set(auth).expect(200)).body.data as { subject: string }[]).filter((n) => pattern.test(n.subject));
  const faults = (sim: RunningSimulator, body: object) => fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    stripeSim = await (await stripe.simulator!()).startSimulator({ seed: 30 });
    twilioSim = await startTwilio();
    hubspotSim = (await (await hubspot.simulator!()).startSimulator({ seed: 3 })) as typeof hubspotSim;
    Object.assign(process.env, {
      PLUGIN_STRIPE_BASE_URL: stripeSim.url, PLUGIN_TWILIO_BASE_URL: twilioSim.url, PLUGIN_HUBSPOT_BASE_URL: hubspotSim.url,
      PLUGIN_HUBSPOT_CLIENT_ID: hubspotSim.oauthClient.clientId, PLUGIN_HUBSPOT_CLIENT_SECRET: hubspotSim.oauthClient.clientSecret,
    });
    smtp = await startSmtpSink();
    receiver = await startReceiver();
    db = await createTestDatabase('monitoring');
    const config = syncTestConfig({
      dbUrl: db.url, redisPrefix: redis.prefix,
      env: { MONITOR_INTERVAL_SECONDS: '1', MONITOR_FLUSH_MS: '200', METRICS_TOKEN, SMTP_URL: smtp.url, ALERT_CHANNELS_ALLOWED_NETWORKS: '127.0.0.0/8' },
    });
    ({ app, http } = await startConnectedApiApp(config, { policy: FAST }));
    app.get(EventBus).on('alert.fired', (e) => void fired.push(e));
    ({ auth: owner, tenantId } = await signup('monitored'));
    stripeId = (await http().post('/api/v1/connections').set(owner).send({ plugin: 'stripe', name: 'Stripe main', credentials: stripeSim.credentials }).expect(201)).body.id;
    twilioId = (await http().post('/api/v1/connections').set(owner).send({ plugin: 'twilio', name: 'Twilio SMS', credentials: twilioSim.credentials, settings: { from: twilioSim.from } }).expect(201)).body.id;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await redis.purge();
    await Promise.all([stripeSim?.close(), twilioSim?.close(), hubspotSim?.close(), smtp?.close(), receiver?.close()]);
    process.env = savedEnv;
  });

  describe('alert channels', () => {
    it('creates one of each type, masks secrets, shows a generated signing secret once, and validates each type', async () => {
      const create = (body: object) => http().post('/api/v1/alert-channels').set(owner).send(body);
      await create({ name: 'On-call mail', type: 'email', config: { to: ['oncall@example.test'] } }).expect(201);
      const slack = await create({ name: 'Slack #ops', type: 'slack', config: { webhookUrl: `${receiver.url}/slack` } }).expect(201);
      expect(slack.body.config).toEqual({ webhookUrl: '••••' });
      const hook = await create({ name: 'Ops webhook', type: 'webhook', config: { url: `${receiver.url}/hook` } }).expect(201);
      signingSecret = hook.body.signingSecret;
      expect(signingSecret).toMatch(/^whsec_/);
      await create({ name: 'Inbox', type: 'in_app', config: {} }).expect(201);
      await create({ name: 'Pager SMS', type: 'sms', config: { connectionId: twilioId, to: ['+14155550100'] }, minSeverity: 'critical' }).expect(201);

      const list = (await http().get('/api/v1/alert-channels').set(owner).expect(200)).body.data as { id: string; type: string; config: object }[];
      expect(list.map((c) => c.type)).toEqual(['email', 'slack', 'webhook', 'in_app', 'sms']);
      expect(JSON.stringify(list)).not.toContain(signingSecret);
      expect(JSON.stringify(list)).not.toContain('/slack');

      const fields = async (body: object) => ((await create(body).expect(400)).body.errors as { field: string }[]).map((e) => e.field);
      expect(await fields({ name: 'x', type: 'email', config: { to: ['not an address'] } })).toEqual(['config.to']);
      expect(await fields({ name: 'x', type: 'slack', config: { webhookUrl: 'http://10.0.0.7/hook' } })).toEqual(['config.webhookUrl']);
      expect(await fields({ name: 'x', type: 'webhook', config: { url: 'ftp://example.test' } })).toEqual(['config.url']);
      expect(await fields({ name: 'x', type: 'in_app', config: { to: 'me' } })).toEqual(['config.to']);
      expect(await fields({ name: 'x', type: 'sms', config: { connectionId: randomUUID(), to: ['+14155550100'] } })).toEqual(['config.connectionId']);
      // a connection whose plugin has no SMS action
      expect(await fields({ name: 'x', type: 'sms', config: { connectionId: stripeId, to: ['+14155550100'] } })).toEqual(['config.action']);
      expect(await fields({ name: 'x', type: 'sms', config: { connectionId: twilioId, to: ['0155'] } })).toEqual(['config.to']);
      expect(await fields({ name: 'x', type: 'pager', config: {} })).toEqual(['type']);
      await create({ name: 'Inbox', type: 'in_app', config: {} }).expect(409);
    });

    it('sends a test through a channel, reports a failing receiver, and updates and deletes channels', async () => {
      const list = (await http().get('/api/v1/alert-channels').set(owner).expect(200)).body.data as { id: string; type: string }[];
      const hook = list.find((c) => c.type === 'webhook')!;
      const test = await http().post(`/api/v1/alert-channels/${hook.id}/test`).set(owner).expect(200);
      expect(test.body).toMatchObject({ ok: true, detail: null });
      const got = posts('/hook', /alert\.test/).at(-1)!;
      expect(new Webhook(signingSecret).verify(got.body, got.headers as Record<string, string>)).toMatchObject({ type: 'alert.test' });
      expect(got.headers['webhook-id']).toBe(test.body.notificationId);

      const broken = (await http().post('/api/v1/alert-channels').set(owner).send({ name: 'Broken', type: 'webhook', config: { url: `${receiver.url}/fail` } }).expect(201)).body;
      expect((await http().post(`/api/v1/alert-channels/${broken.id}/test`).set(owner).expect(200)).body).toMatchObject({ ok: false, detail: expect.stringMatching(/500/) });
      const renamed = await http().patch(`/api/v1/alert-channels/${broken.id}`).set(owner).send({ name: 'Broken hook', enabled: false, types: ['sync_failed'] }).expect(200);
      expect(renamed.body).toMatchObject({ name: 'Broken hook', enabled: false, types: ['sync_failed'] });
      await http().delete(`/api/v1/alert-channels/${broken.id}`).set(owner).expect(204);
      await http().get(`/api/v1/alert-channels/${broken.id}`).set(owner).expect(404);
    });

    it("white label: an Enterprise tenant's messages carry its product name, as sender too, and Plugboard's again when the plan loses the feature", async () => {
      const email = ((await http().get('/api/v1/alert-channels').set(owner).expect(200)).body.data as { id: string; type: string }[]).find((c) => c.type === 'email')!;
      const refused = await http().put('/api/v1/branding').set(owner).send({ productName: 'Acme Connect' }).expect(402);
      expect(refused.body).toMatchObject({ limit: 'white_label', plan: 'professional' });
      expect((await http().get('/api/v1/branding').set(owner).expect(200)).body).toEqual({ productName: null, shownName: 'Plugboard', whiteLabel: false });
      expect((await http().put('/api/v1/branding').set(owner).send({ productName: '<b>Acme</b>' }).expect(400)).body.errors).toEqual([{ field: 'productName', message: expect.stringMatching(/one line without < or >/) }]);

      await sql("UPDATE tenants SET plan = 'enterprise' WHERE id = $1", [tenantId]);
      try {
        expect((await http().put('/api/v1/branding').set(owner).send({ productName: 'Acme Connect' }).expect(200)).body).toEqual({ productName: 'Acme Connect', shownName: 'Acme Connect', whiteLabel: true });
        await http().post(`/api/v1/alert-channels/${email.id}/test`).set(owner).expect(200);
        const [branded] = await waitFor('the branded mail', () => { const m = smtp.messages.filter((x) => x.subject === '[Acme Connect] TEST: channel "On-call mail" works'); return m.length ? m : undefined; });
        expect(branded.data).toMatch(/^From: "?Acme Connect alerts"? <alerts@plugboard\.local>/m);
      } finally {
        await sql("UPDATE tenants SET plan = 'professional' WHERE id = $1", [tenantId]);
      }
      // the setting is kept, but shown only with the feature
      expect((await http().get('/api/v1/branding').set(owner).expect(200)).body).toEqual({ productName: 'Acme Connect', shownName: 'Plugboard', whiteLabel: false });
      const plain = () => smtp.messages.filter((x) => x.subject === '[Plugboard] TEST: channel "On-call mail" works').length;
      const before = plain();
      await http().post(`/api/v1/alert-channels/${email.id}/test`).set(owner).expect(200);
      await waitFor('the unbranded mail', () => plain() === before + 1);
      expect((await http().delete('/api/v1/branding').set(owner).expect(200)).body.productName).toBeNull();
    });

    it("carries a workflow's notify step to the named channel or to all that take its severity, and fails it for a channel that is not there", async () => {
      const create = async (steps: object[]) => {
        const wf = (await http().post('/api/v1/workflows').set(owner).send({ name: `notify ${randomUUID()}`, trigger: { type: 'api' }, steps }).expect(201)).body;
        await http().post(`/api/v1/workflows/${wf.id}/activate`).set(owner).expect(200);
        return wf.id as string;
      };
      const run = async (workflowId: string, input: object) => {
        const id = (await http().post(`/api/v1/workflows/${workflowId}/run`).set(owner).send({ input }).expect(202)).body.id;
        return waitFor('the execution', async () => {
          const e = (await http().get(`/api/v1/executions/${id}`).set(owner).expect(200)).body;
          return ['succeeded', 'failed'].includes(e.status) && e;
        });
      };
      const named = await create([{ id: 'tell', type: 'notify', channel: 'Ops webhook', severity: 'warning', title: 'Deal won', message: 'Deal {{ trigger.body.deal }} closed at {{ trigger.body.amount }}' }]);
      const done = await run(named, { deal: 'Acme', amount: 4200 });
      expect(done.status).toBe('succeeded');
      expect(done.steps[0].output).toMatchObject({ sent: 1, channels: [{ name: 'Ops webhook', type: 'webhook', status: 'sent', reason: null }] });
      const got = posts('/hook', /Deal Acme closed/);
      expect(got).toHaveLength(1);
      expect(new Webhook(signingSecret).verify(got[0].body, got[0].headers as Record<string, string>)).toMatchObject({
        type: 'message', data: { subject: '[Plugboard] Deal won', body: 'Deal Acme closed at 4200', alert: null, source: { kind: 'workflow', workflowId: named, executionId: done.id, step: 'tell' } },
      });

      // no channel named: every enabled channel that takes the severity (the SMS pager wants critical; the rest take warning and above)
      const broadcast = await create([{ id: 'all', type: 'notify', severity: 'error', title: 'Nightly import', message: 'imported {{ trigger.body.n }} rows' }]);
      const wide = await run(broadcast, { n: 17 });
      expect([wide.status, wide.error]).toEqual(['succeeded', null]);
      const reached = wide.steps[0].output.channels as { type: string; status: string }[];
      expect(reached.map((c) => c.type).sort()).toEqual(['email', 'in_app', 'slack', 'webhook']);
      expect(reached.every((c) => c.status === 'sent')).toBe(true);
      expect(await inbox(owner, /Nightly import/)).toHaveLength(1);
      expect(posts('/slack', /Nightly import/)).toHaveLength(1);
      expect(texts(/Nightly import/)).toHaveLength(0);

      const missing = await create([{ id: 'tell', type: 'notify', channel: 'No such channel', title: 't', message: 'm', retry: { attempts: 3, backoffMs: 10 } }]);
      const failed = await run(missing, {});
      expect(failed).toMatchObject({ status: 'failed', failedStep: 'tell' });
      // a missing channel is not worth retrying
      expect(failed.steps[0]).toMatchObject({ attempts: 1, error: expect.stringMatching(/no enabled alert channel is named No such channel/) });
    });

    it('lists the rules with their defaults, and lets the tenant tune one', async () => {
      const rules = (await http().get('/api/v1/alert-rules').set(owner).expect(200)).body.data as { type: string; severity: string; params: Record<string, number>; isDefault: boolean }[];
      expect(rules.map((r) => r.type)).toEqual([
        'connection_down', 'auth_expired', 'high_error_rate', 'slow_response', 'circuit_open', 'sync_failed', 'webhook_failures', 'rate_limit_exhausted', 'payment_failed', 'queue_backlog',
      ]);
      expect(rules[0]).toMatchObject({ severity: 'critical', params: { failures: 2 }, isDefault: true });
      const tuned = await http().put('/api/v1/alert-rules/connection_down').set(owner).send({ params: { failures: 2 }, severity: 'critical' }).expect(200);
      expect(tuned.body).toMatchObject({ params: { failures: 2 }, isDefault: false });
      const bad = await http().put('/api/v1/alert-rules/connection_down').set(owner).send({ params: { failures: 0, nonsense: 1 } }).expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['params.failures', 'params.nonsense']);
      await http().put('/api/v1/alert-rules/no_such_rule').set(owner).send({}).expect(400);
    });
  });

  describe('a platform going down and coming back', () => {
    let alertId: string;

    it('opens one connection_down incident and tells every channel once, however many checks see it', async () => {
      await faults(stripeSim, { down: true });
      const [alert] = await waitFor('the connection_down alert', async () => {
        const open = await alertsOf(owner, 'type=connection_down&status=open');
        return open.length ? open : undefined;
      });
      alertId = alert.id;
      expect(alert).toMatchObject({ connectionId: stripeId, title: 'Stripe main (stripe) is down' });

      const subject = /CRITICAL connection_down: Stripe main \(stripe\) is down/;
      await waitFor('every channel to hear of it', async () =>
        mails(subject).length === 1 && posts('/slack', subject).length === 1 && posts('/hook', /"type":"alert\.fired".*connection_down/).length === 1
        && texts(subject).length === 1 && (await inbox(owner, subject)).length === 1);
      const [mail] = mails(subject);
      expect(mail.to).toEqual(['oncall@example.test']);
      const hook = posts('/hook', /"type":"alert\.fired".*connection_down/)[0];
      expect(new Webhook(signingSecret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ data: { alert: { alertId, type: 'connection_down', severity: 'critical' } } });
      expect(texts(subject)[0].to).toBe('+14155550100');

      // more checks see the platform down (and the circuit opens): still one incident and one message per channel
      const [{ checks_total: seen }] = await sql<{ checks_total: number }>('SELECT checks_total FROM connection_health WHERE connection_id = $1', [stripeId]);
      await waitFor('three more checks', async () => (await sql<{ checks_total: number }>('SELECT checks_total FROM connection_health WHERE connection_id = $1', [stripeId]))[0].checks_total >= seen + 3);
      const circuit = await waitFor('the circuit_open alert', async () => (await alertsOf(owner, 'type=circuit_open&status=open'))[0]);
      expect(circuit).toMatchObject({ connectionId: stripeId, title: 'Stripe main (stripe): circuit open, calls are paused' });
      const open = await alertsOf(owner, 'type=connection_down');
      expect(open).toHaveLength(1);
      expect(open[0].occurrences).toBeGreaterThanOrEqual(2);
      expect(mails(subject)).toHaveLength(1);
      expect(posts('/slack', subject)).toHaveLength(1);
      expect(posts('/hook', /"type":"alert\.fired".*connection_down/)).toHaveLength(1);
      expect(texts(subject)).toHaveLength(1);
      expect(await inbox(owner, subject)).toHaveLength(1);
      expect(fired.filter((e) => e.data.type === 'connection_down')).toEqual([expect.objectContaining({ tenantId, data: expect.objectContaining({ alertId, connectionId: stripeId, severity: 'critical' }) })]);
      // the SMS channel takes critical alerts only
      expect(texts(/circuit_open/)).toEqual([]);
    });

    it('resolves the incident by itself when the platform is back, and says so on every channel', async () => {
      await faults(stripeSim, {});
      const resolved = await waitFor('the incident to resolve', async () => (await alertsOf(owner, 'type=connection_down')).find((a) => a.status === 'resolved'));
      expect(resolved).toMatchObject({ id: alertId, resolution: 'auto' });
      await waitFor('the circuit_open incident to resolve', async () => (await alertsOf(owner, 'type=circuit_open'))[0]?.status === 'resolved');
      const subject = /RESOLVED connection_down: Stripe main \(stripe\) is down/;
      await waitFor('every channel to hear it', async () =>
        mails(subject).length === 1 && posts('/slack', subject).length === 1 && posts('/hook', /"type":"alert\.resolved".*connection_down/).length === 1
        && texts(subject).length === 1 && (await inbox(owner, subject)).length === 1);
      const detail = (await http().get(`/api/v1/alerts/${alertId}`).set(owner).expect(200)).body;
      expect(detail.timeline.map((t: { kind: string }) => t.kind)).toEqual(expect.arrayContaining(['opened', 'notified', 'resolved']));
      expect(detail.timeline[0]).toMatchObject({ kind: 'opened' });
      expect(detail.notifications.filter((n: { status: string }) => n.status === 'sent')).toHaveLength(10);
    });

    it('shows the connection healthy again with what the outage left in its figures', async () => {
      await app.get(SeriesBuffer).flush();
      const health = await waitFor('the connection to be up', async () => {
        const res = (await http().get('/api/v1/health/integrations').set(owner).expect(200)).body;
        const row = res.data.find((c: { connectionId: string }) => c.connectionId === stripeId);
        return row?.status === 'up' ? res : undefined;
      });
      const row = health.data.find((c: { connectionId: string }) => c.connectionId === stripeId);
      expect(row).toMatchObject({ name: 'Stripe main', plugin: 'stripe', circuit: 'closed', lastCheck: { status: 'up' } });
      expect(row.uptime.last24h).toBeLessThan(100);
      expect(row.uptime.last7d).toBe(row.uptime.last24h);
      expect(row.errorRate).toBeGreaterThan(0);
      expect(row.calls24h).toBeGreaterThan(0);
      expect(row.latencyMs.p95).toEqual(expect.any(Number));
      expect(health.summary.up).toBe(2);

      const one = (await http().get('/api/v1/health/integrations/stripe').set(owner).expect(200)).body;
      expect(one.connections.map((c: { connectionId: string }) => c.connectionId)).toEqual([stripeId]);
      expect(one.hourly.length).toBeGreaterThanOrEqual(1);
      expect(one.hourly[0].calls).toBeGreaterThan(0);
      await http().get('/api/v1/health/integrations/nothing-here').set(owner).expect(404);

      const analytics = (await http().get('/api/v1/analytics/integrations').set(owner).expect(200)).body;
      const s = analytics.plugins.find((p: { plugin: string }) => p.plugin === 'stripe');
      expect(s.calls).toBeGreaterThanOrEqual(row.calls24h);
      expect(s.errorsByCategory.server).toBeGreaterThan(0);
      expect(s.errorsByCategory.circuitOpen).toBeGreaterThan(0);
      expect(s.successRate).toBeLessThan(1);
      expect(s.connections).toEqual([expect.objectContaining({ connectionId: stripeId, name: 'Stripe main' })]);
      expect(s.estimatedCost).toBeNull();
      const t = analytics.plugins.find((p: { plugin: string }) => p.plugin === 'twilio');
      expect(t.estimatedCost).toEqual({ currency: 'USD', amount: Math.round(t.calls * 0.0079 * 10_000) / 10_000 });
      await http().get('/api/v1/analytics/integrations?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z').set(owner).expect(400);
    });
  });

  it('raises auth_expired, naming the connection, when its refresh token stops working', async () => {
    const start = await http().get('/api/v1/connections/oauth/hubspot/start').query({ name: 'HubSpot portal', redirectUri: 'http://127.0.0.1/cb' }).set(owner).expect(200);
    const back = new URL((await fetch(start.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    const hubspotId = (await http().get('/oauth/callback').query({ code: back.searchParams.get('code'), state: back.searchParams.get('state') }).expect(200)).body.id;
    const [{ vault_entry_id: entry }] = await sql<{ vault_entry_id: string }>('SELECT vault_entry_id FROM connections WHERE id = $1', [hubspotId]);
    const secret = await app.get(RequestContext).runAsTenant({ kind: 'system', tenantId, actorId: 't', role: 'owner', scopes: ['admin'], plan: 'free', rateLimit: 60 }, () => app.get(VaultService).get(entry));
    // the platform forgets the refresh token, and the access token runs out
    expect((await fetch(`${hubspotSim.url}/oauth/v1/refresh-tokens/${secret.refreshToken}`, { method: 'DELETE' })).status).toBe(204);
    await sql("UPDATE connections SET token_expires_at = now() - interval '1 minute' WHERE id = $1", [hubspotId]);

    const alert = await waitFor('auth_expired', async () => (await alertsOf(owner, 'type=auth_expired&status=open')).find((a) => a.connectionId === hubspotId));
    expect(alert.title).toBe('HubSpot portal (hubspot) needs to be re-authorized');
    expect(await waitFor('the in-app notification', async () => (await inbox(owner, /ERROR auth_expired: HubSpot portal \(hubspot\)/))[0])).toBeDefined();
    await waitFor('the e-mail', () => mails(/auth_expired: HubSpot portal/).length === 1);
    const health = (await http().get('/api/v1/health/integrations').set(owner).expect(200)).body.data;
    expect(health.find((c: { connectionId: string }) => c.connectionId === hubspotId)).toMatchObject({ status: 'auth_expired', connectionStatus: 'needs_reauth' });
    // the connection's removal resolves what was open about it
    await http().delete(`/api/v1/connections/${hubspotId}`).set(owner).expect(200);
    await waitFor('the incident to resolve', async () => (await alertsOf(owner, 'type=auth_expired')).find((a) => a.id === alert.id)?.status === 'resolved');
  });

  describe('GET /metrics', () => {
    it('wants the token', async () => {
      await http().get('/metrics').expect(401);
      await http().get('/metrics').set('Authorization', 'Bearer not-the-token-at-all').expect(401);
      await http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200).expect('content-type', /text\/plain/);
    });

    it('shows the counts a sync run reports, and every listed series', async () => {
      const run = (await http().post(`/api/v1/connections/${stripeId}/syncs`).set(owner).send({ entity: 'customers', mode: 'full' }).expect(202)).body;
      const done = await waitFor('the sync run', async () => {
        const r = (await http().get(`/api/v1/sync-runs/${run.id}`).set(owner).expect(200)).body;
        return r.status === 'succeeded' ? r : undefined;
      });
      expect(done.counts.added).toBe(30);
      // sync.completed is announced just after the run is marked succeeded
      const text = await waitFor('the sync in the metrics', async () => {
        const t = (await http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
        return sample(t, 'plugboard_sync_runs_total', { plugin: 'stripe', status: 'succeeded' }) !== undefined ? t : undefined;
      });
      for (const action of ['added', 'updated', 'deleted', 'unchanged'] as const) {
        expect({ action, n: sample(text, 'plugboard_sync_records_total', { plugin: 'stripe', entity: 'customers', action }) }).toEqual({ action, n: done.counts[action] });
      }
      expect(sample(text, 'plugboard_sync_runs_total', { plugin: 'stripe', status: 'succeeded' })).toBe(1);
      expect(sample(text, 'plugboard_upstream_calls_total', { plugin: 'stripe', status: '2xx' })).toBeGreaterThan(1);
      expect(sample(text, 'plugboard_upstream_calls_total', { plugin: 'stripe', status: '5xx' })).toBeGreaterThan(0);
      expect(sample(text, 'plugboard_upstream_errors_total', { plugin: 'stripe', kind: 'server' })).toBeGreaterThan(0);
      expect(sample(text, 'plugboard_upstream_retries_total', { plugin: 'stripe', reason: '5xx' })).toBeGreaterThan(0);
      expect(sample(text, 'plugboard_upstream_call_duration_seconds_count', { plugin: 'stripe' })).toBeGreaterThan(0);
      expect(sample(text, 'plugboard_circuit_breaker_state', { plugin: 'stripe', connection_id: stripeId })).toBe(0);
      expect(sample(text, 'plugboard_http_requests_total', { method: 'POST', route: '/api/v1/connections/:id/syncs', status: '202' })).toBe(1);
      expect(sample(text, 'plugboard_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/alerts' })).toBeGreaterThan(0);
      expect(sample(text, 'plugboard_queue_jobs', { queue: 'sync', state: 'waiting' })).toBe(0);
      expect(sample(text, 'plugboard_queue_oldest_job_age_seconds', { queue: 'monitoring' })).toEqual(expect.any(Number));
      expect(sample(text, 'plugboard_alerts_fired_total', { type: 'connection_down', severity: 'critical' })).toBe(1);
      for (const name of ['plugboard_webhook_events_total', 'plugboard_workflow_executions_total', 'plugboard_upstream_rejected_total']) expect(text).toContain(`# TYPE ${name} counter`);
    });

    it("is served by a worker process on its own port", async () => {
      const config = syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix, env: { PLUGBOARD_ROLE: 'worker', METRICS_TOKEN, METRICS_PORT: '0' } });
      const ctx = await createWorkerContext(config, await loadPlugins(config, () => undefined));
      try {
        const url = ctx.get(WorkerMetricsServer).url!;
        expect((await fetch(`${url}/metrics`)).status).toBe(401);
        const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('# TYPE plugboard_sync_records_total counter');
      } finally {
        await ctx.close();
      }
    });
  });

  describe('routing, rate limits and the quiet period', () => {
    let other: { auth: { Authorization: string }; tenantId: string };
    const failSync = (connectionId: string) => app.get(EventBus).emit('sync.failed', other.tenantId, { runId: randomUUID(), connectionId, entity: 'customers', mode: 'full', error: 'the platform said no' });

    beforeAll(async () => {
      other = await signup('rate-limited');
      await http().post('/api/v1/alert-channels').set(other.auth).send({ name: 'Capped hook', type: 'webhook', config: { url: `${receiver.url}/capped` }, rateLimitPerHour: 2, quietPeriodMinutes: 0 }).expect(201);
      await http().post('/api/v1/alert-channels').set(other.auth).send({ name: 'Inbox', type: 'in_app', config: {} }).expect(201);
      await http().post('/api/v1/alert-channels').set(other.auth).send({ name: 'Critical only', type: 'webhook', config: { url: `${receiver.url}/critical` }, minSeverity: 'critical' }).expect(201);
    });

    it('sends a channel at most its hourly limit, records the rest as suppressed, and routes by severity', async () => {
      const connections = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      for (const c of connections) failSync(c);
      const alerts = await waitFor('four incidents', async () => {
        const a = await alertsOf(other.auth, 'type=sync_failed');
        return a.length === 4 ? a : undefined;
      });
      const capped = await waitFor('every notification to settle', async () => {
        const all = await Promise.all(alerts.map(async (a) => (await http().get(`/api/v1/alerts/${a.id}`).set(other.auth).expect(200)).body.notifications as { status: string; reason: string | null }[]));
        const states = all.flat();
        return states.length === 8 && !states.some((n) => n.status === 'pending') ? states : undefined;
      });
      expect(capped.filter((n) => n.status === 'sent')).toHaveLength(6);
      expect(capped.filter((n) => n.status === 'suppressed')).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/^rate limit/) }), expect.objectContaining({ reason: expect.stringMatching(/^rate limit/) }),
      ]);
      await waitFor('the capped receiver', () => posts('/capped', /alert\.fired/).length === 2);
      expect((await inbox(other.auth, /WARNING sync_failed/)).length).toBe(4);
      // warnings never reach a channel that takes critical alerts only
      expect(posts('/critical', /./)).toEqual([]);
    });

    it('keeps a re-opened condition quiet within the quiet period, and handles acknowledge and resolve by hand', async () => {
      const [first] = await alertsOf(other.auth, 'type=sync_failed&status=open');
      const acked = await http().post(`/api/v1/alerts/${first.id}/acknowledge`).set(other.auth).send({ note: 'looking' }).expect(200);
      expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringMatching(/^user:/) });
      await http().post(`/api/v1/alerts/${first.id}/acknowledge`).set(other.auth).send({}).expect(409);
      const resolved = await http().post(`/api/v1/alerts/${first.id}/resolve`).set(other.auth).send({ note: 'fixed the mapping' }).expect(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'manual' });
      await http().post(`/api/v1/alerts/${first.id}/resolve`).set(other.auth).send({}).expect(409);
      await waitFor('the resolution in the inbox', async () => (await inbox(other.auth, /RESOLVED sync_failed/)).length === 1);

      // the same condition again: a new incident, but the inbox (quiet period 30 min) stays quiet
      failSync(first.connectionId!);
      const again = await waitFor('a second incident', async () => (await alertsOf(other.auth, 'type=sync_failed&status=open')).find((a) => a.connectionId === first.connectionId && a.id !== first.id));
      const detail = await waitFor('its notifications', async () => {
        const d = (await http().get(`/api/v1/alerts/${again.id}`).set(other.auth).expect(200)).body;
        return d.notifications.length === 2 && !d.notifications.some((n: { status: string }) => n.status === 'pending') ? d : undefined;
      });
      expect(detail.notifications.map((n: { status: string; reason: string | null }) => `${n.status}:${(n.reason ?? '').split(':')[0]}`).sort()).toEqual(['suppressed:quiet period', 'suppressed:rate limit']);
      expect(detail.timeline.filter((t: { kind: string }) => t.kind === 'suppressed')).toHaveLength(2);
      // a sync that completes clears it
      app.get(EventBus).emit('sync.completed', other.tenantId, { runId: randomUUID(), connectionId: first.connectionId, plugin: 'stripe', entity: 'customers', counts: { added: 1, updated: 0, deleted: 0, unchanged: 0 } });
      await waitFor('the auto-resolution', async () => (await http().get(`/api/v1/alerts/${again.id}`).set(other.auth).expect(200)).body.status === 'resolved');
      // tenants never see each other's alerts
      expect((await alertsOf(owner, 'type=sync_failed')).length).toBe(0);
      await http().get(`/api/v1/alerts/${again.id}`).set(owner).expect(404);
    });

    it("raises the traffic rules (error rate, latency, used-up quota, webhook failures) from the stored minutes, and clears them under the tenant's tuned rules", async () => {
      const connectionId = (await http().post('/api/v1/connections').set(other.auth).send({ plugin: 'stripe', name: 'Busy Stripe', credentials: stripeSim.credentials }).expect(201)).body.id;
      const bad = { ...emptyCounters(), tenantId: other.tenantId, connectionId, plugin: 'stripe', minute: Math.floor(Date.now() / 60_000), calls: 30, errors: 20, faults: 20, errServer: 20, latencySumMs: 30 * 4000, rejectedQuota: 3, webhooksFailed: 6 };
      bad.latencyHist[bucketOf(4000)] = 30;
      await app.get(SeriesStore).addMinutes([bad]);
      const evaluate = () => app.get(RequestContext).runAsTenant({ kind: 'system', tenantId: other.tenantId, actorId: 't', role: 'admin', scopes: ['read', 'write'], plan: 'free', rateLimit: 0 }, () => app.get(ConditionEvaluator).evaluateTraffic());
      await evaluate();
      const open = async () => (await alertsOf(other.auth, `connectionId=${connectionId}&status=open`)).map((a) => a.title).sort();
      // the scheduler's checks of the new connection may add a few quick calls: the figures are ranges
      expect(await open()).toEqual([
        'Busy Stripe (stripe): 6 webhook events failed over the last 15 minutes',
        expect.stringMatching(/^Busy Stripe \(stripe\): (6\d)% of calls failed over the last 5 minutes$/),
        expect.stringMatching(/^Busy Stripe \(stripe\): slow: p95 (4\d{3}) ms over the last 5 minutes$/),
        "Busy Stripe (stripe): the platform's quota is used up: work is paused",
      ]);
      for (const [type, body] of [['high_error_rate', { params: { minCalls: 1000 } }], ['slow_response', { params: { p95Ms: 10_000 } }], ['webhook_failures', { params: { failures: 10 } }], ['rate_limit_exhausted', { enabled: false }]] as const) {
        await http().put(`/api/v1/alert-rules/${type}`).set(other.auth).send(body).expect(200);
      }
      await evaluate();
      expect(await open()).toEqual([]);
      expect((await alertsOf(other.auth, `connectionId=${connectionId}`)).every((a) => a.resolution === 'auto')).toBe(true);
    });

    it("raises queue_backlog from the tenant's waiting jobs, and payment_failed from billing's event", async () => {
      const ctx = app.get(RequestContext);
      const asOther = <T>(fn: () => Promise<T>) => ctx.runAsTenant({ kind: 'system', tenantId: other.tenantId, actorId: 't', role: 'admin', scopes: ['read', 'write'], plan: 'free', rateLimit: 0 }, fn);
      await http().put('/api/v1/alert-rules/queue_backlog').set(other.auth).send({ params: { maxWaiting: 10 } }).expect(200);
      await asOther(() => app.get(ConditionEvaluator).evaluateBacklog([{ queue: 'sync', tenantId: other.tenantId, waiting: 11, oldestWaitingMs: 60_000 }, { queue: 'sync', tenantId: tenantId, waiting: 500, oldestWaitingMs: 1 }]));
      const [backlog] = await alertsOf(other.auth, 'type=queue_backlog&status=open');
      expect(backlog.title).toBe('11 of your jobs are waiting in the sync queue');
      expect(await alertsOf(owner, 'type=queue_backlog')).toEqual([]);
      await asOther(() => app.get(ConditionEvaluator).evaluateBacklog([]));
      expect((await alertsOf(other.auth, 'type=queue_backlog'))[0]).toMatchObject({ status: 'resolved', resolution: 'auto' });

      app.get(EventBus).emit('billing.payment_failed', other.tenantId, { invoiceId: 'in_1', amountDue: 4900, currency: 'usd', graceEndsAt: '2030-01-08T00:00:00.000Z' });
      const payment = await waitFor('payment_failed', async () => (await alertsOf(other.auth, 'type=payment_failed&status=open'))[0]);
      expect(payment.title).toBe('A payment for your Plugboard plan failed (49.00 USD)');
      app.get(EventBus).emit('billing.plan_changed', other.tenantId, { from: 'starter', to: 'starter', subscriptionStatus: 'active' });
      await waitFor('the payment incident to resolve', async () => (await alertsOf(other.auth, 'type=payment_failed'))[0].status === 'resolved');
    });
  });
});
