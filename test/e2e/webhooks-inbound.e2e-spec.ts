import { DataSource } from 'typeorm';
import { EventBus, type PlatformEvent } from '../../src/core/events';
import { TenantDirectory } from '../../src/core/tenancy';
import { signWebhook } from '../../src/core/plugin-sdk';
import { signHubspotWebhook, startSimulator as startHubspot, type HubspotSimulator } from '../../src/plugins/hubspot/simulator/hubspot.simulator';
import { startSimulator as startStripe, type StripeSimulator } from '../../src/plugins/stripe/simulator/stripe.simulator';
import { startSimulator as startSlack, type SlackSimulator } from '../../src/plugins/slack/simulator/slack.simulator';
import { slackSigningV0 } from '../../src/plugins/slack/webhooks';
import { stripeSignature } from '../../src/plugins/stripe/webhooks';
import { startSimulator as startTwilio, type TwilioSimulator } from '../../src/plugins/twilio/simulator/twilio.simulator';
import { twilioSignature } from '../../src/plugins/twilio/webhooks';
import { freePort, startTestApp, type TenantSession, type TestApp } from '../support/test-app';
import { until } from '../support/until';

interface EventView {
  id: string;
  type: string;
  status: string;
  attempts: number;
  connectionId: string;
  externalId: string | null;
  entity: string | null;
  outcome: Record<string, unknown> | null;
  lastError: string | null;
}


/**
 * Inbound webhooks over real HTTP, the whole app with its worker: genuinely signed deliveries from
 * the simulators are stored before they are acknowledged and processed once; forged, stale, unsigned
 * and oversized ones are refused and leave nothing but a counter.
 */
describe('inbound webhooks', () => {
  let t: TestApp;
  let a: TenantSession;
  let stripe: StripeSimulator;
  let hubspot: HubspotSimulator;
  let slack: SlackSimulator;
  let twilio: TwilioSimulator;
  let ds: DataSource;
  let stripeConn: string;
  const received: PlatformEvent[] = [];
  const failed: PlatformEvent[] = [];
  const saved = { stripe: process.env.PLUGIN_STRIPE_BASE_URL, hubspot: process.env.PLUGIN_HUBSPOT_BASE_URL, slack: process.env.PLUGIN_SLACK_BASE_URL, twilio: process.env.PLUGIN_TWILIO_BASE_URL };

  const http = () => t.http();
  const events = async (query = ''): Promise<EventView[]> => (await http().get(`/api/v1/webhook-events?limit=200${query}`).set(a.auth).expect(200)).body.data;
  const count = async (sql: string, params: unknown[] = []) => Number((await ds.query(sql, params))[0].n);
  const stripeEvent = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({
    id, object: 'event', type: 'customer.updated', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_123', object: 'customer', email: 'a@example.test' } }, ...extra,
  });
  const postStripe = (connectionId: string, body: string, headers: Record<string, string>) =>
    http().post(`/webhooks/stripe/${connectionId}`).set({ 'content-type': 'application/json', ...headers }).send(body);
  const sign = (body: string, secret = stripe.credentials.webhookSecret, timestamp?: number) => signWebhook(stripeSignature, secret, { body, timestamp });

  async function connect(body: Record<string, unknown>): Promise<string> {
    const res = await http().post('/api/v1/connections').set(a.auth).send(body);
    if (res.status !== 201) throw new Error(`connection: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  beforeAll(async () => {
    stripe = await startStripe({ seed: 2 });
    hubspot = await startHubspot({ seed: 20 });
    process.env.PLUGIN_STRIPE_BASE_URL = stripe.url;
    process.env.PLUGIN_HUBSPOT_BASE_URL = hubspot.url;
    slack = await startSlack({ seed: 21 });
    twilio = await startTwilio({ seed: 22 });
    process.env.PLUGIN_SLACK_BASE_URL = slack.url;
    process.env.PLUGIN_TWILIO_BASE_URL = twilio.url;
    const port = await freePort();
    t = await startTestApp({
      label: 'webhooks-in', withWorker: true, port,
      env: {
        PUBLIC_URL: `http://127.0.0.1:${port}`, WEBHOOK_MAX_BODY_BYTES: '65536', WEBHOOK_RELAY_INTERVAL_MS: '50',
        WEBHOOK_PROCESS_ATTEMPTS: '3', WEBHOOK_PROCESS_BACKOFF_MS: '100', DATABASE_POOL_SIZE: '8',
      },
    });
    ds = t.app.get(DataSource);
    t.app.get(EventBus).on('webhook.received', (e) => {
      received.push(e);
    });
    t.app.get(EventBus).on('webhook.failed', (e) => {
      failed.push(e);
    });
    a = await t.signup('hooks-a');
    // this file polls: the free plan's 60 requests a minute would throttle it
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [a.tenantId]);
    t.app.get(TenantDirectory).invalidate(a.tenantId);
    stripeConn = await connect({ plugin: 'stripe', name: 'stripe', credentials: stripe.credentials });
  });

  afterAll(async () => {
    await t?.close();
    await stripe?.close();
    await hubspot?.close();
    await slack?.close();
    await twilio?.close();
    for (const [k, v] of [['PLUGIN_STRIPE_BASE_URL', saved.stripe], ['PLUGIN_HUBSPOT_BASE_URL', saved.hubspot], ['PLUGIN_SLACK_BASE_URL', saved.slack], ['PLUGIN_TWILIO_BASE_URL', saved.twilio]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('stores a genuinely signed Stripe event before answering, processes it once and announces webhook.received', async () => {
    await fetch(`${stripe.url}/__sim/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${t.url}/webhooks/stripe/${stripeConn}` }) });
    const { event, status } = await stripe.emit('customer.updated', { id: 'cus_sim_1', object: 'customer', email: 'sim@example.test', api_key: 'sk_live_leaked' });
    expect(status).toBe(200);
    // acknowledged means committed: the row exists the moment the 200 is out
    expect(await count(`SELECT count(*) AS n FROM webhook_events WHERE external_id = $1`, [event.id])).toBe(1);
    const stored = await until('the event processed', async () => (await events(`&status=processed&type=stripe.customer.updated`)).filter((e) => e.externalId === event.id).at(0));
    expect(stored).toMatchObject({ type: 'stripe.customer.updated', connectionId: stripeConn, entity: 'customers', attempts: 1 });
    // customers were never synced on this connection: nothing to refresh, the event is announced all the same
    expect(stored.outcome).toEqual({ events: 1, refreshed: [{ entity: 'customers', sync: 'skipped', reason: 'the entity was never synced on this connection' }] });
    const announced = received.filter((e) => e.data.externalEventId === event.id);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({
      type: 'webhook.received', tenantId: a.tenantId,
      data: { plugin: 'stripe', connectionId: stripeConn, eventId: stored.id, type: 'stripe.customer.updated', entity: 'customers', externalIds: ['cus_sim_1'] },
    });
    const detail = (await http().get(`/api/v1/webhook-events/${stored.id}`).set(a.auth).expect(200)).body;
    expect(detail.payload).toMatchObject({ id: 'cus_sim_1', email: 'sim@example.test', api_key: '••••' });
    expect(detail.attemptLog).toEqual([expect.objectContaining({ attempt: 1, ok: true, error: null })]);
  });

  it('refuses forged, stale, unsigned and secretless deliveries with 401, storing nothing but a counter', async () => {
    const hubspotConn = await connect({ plugin: 'hubspot', name: 'hubspot-no-secret', credentials: { accessToken: hubspot.credentials.accessToken } });
    const before = await count(`SELECT count(*) AS n FROM webhook_events`);
    const body = stripeEvent('evt_forged');
    const problems = [
      await postStripe(stripeConn, body, sign(body, 'whsec_not_the_secret')),
      await postStripe(stripeConn, body, sign(body, undefined, Math.floor(Date.now() / 1000) - 600)),
      await postStripe(stripeConn, body, {}),
      await postStripe(stripeConn, body, { 'stripe-signature': sign(stripeEvent('evt_other'))['stripe-signature'] }),
    ];
    expect(problems.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(problems[0].headers['content-type']).toMatch(/application\/problem\+json/);
    // the answer does not say which check failed
    expect(new Set(problems.map((r) => r.body.detail))).toEqual(new Set(['the delivery could not be verified']));
    const batch = JSON.stringify([{ eventId: 1, subscriptionType: 'contact.creation', portalId: hubspot.portalId, occurredAt: Date.now(), objectId: 1 }]);
    const uri = `${t.config.PUBLIC_URL}/webhooks/hubspot/${hubspotConn}`;
    await http().post(`/webhooks/hubspot/${hubspotConn}`).set({ 'content-type': 'application/json', ...signHubspotWebhook({ clientSecret: 'anything', method: 'POST', uri, body: batch }) }).send(batch).expect(401);
    // unknown connections, ids that are not ids, and connections of another plugin are refused the same way
    await postStripe('00000000-0000-4000-8000-000000000000', body, sign(body)).expect(401);
    await postStripe('not-a-uuid', body, sign(body)).expect(401);
    await postStripe(hubspotConn, body, sign(body)).expect(401);
    await http().post('/webhooks/nosuchplugin/x').send('{}').expect(404);

    expect(await count(`SELECT count(*) AS n FROM webhook_events`)).toBe(before);
    const rejections = (await http().get('/api/v1/webhook-rejections').set(a.auth).expect(200)).body.data as { connectionId: string; reason: string; count: number }[];
    const of = (c: string) => Object.fromEntries(rejections.filter((r) => r.connectionId === c).map((r) => [r.reason, r.count]));
    expect(of(stripeConn)).toEqual({ bad_signature: 2, stale_timestamp: 1, missing_signature: 1 });
    expect(of(hubspotConn)).toEqual({ no_secret: 1 });
  });

  it('answers 413 to a body over the limit, before reading it all, and stores nothing', async () => {
    const before = await count(`SELECT count(*) AS n FROM webhook_events`);
    const body = stripeEvent('evt_big', { padding: 'x'.repeat(70_000) });
    const res = await postStripe(stripeConn, body, sign(body));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 413, title: 'Payload Too Large' });
    expect(await count(`SELECT count(*) AS n FROM webhook_events`)).toBe(before);
  });

  it('answers a redelivery 200 without processing it again, and processes concurrent duplicates once', async () => {
    const body = stripeEvent('evt_dup_1');
    const first = await postStripe(stripeConn, body, sign(body)).expect(200);
    expect(first.body).toEqual({ accepted: 1, duplicates: 0 });
    const again = await postStripe(stripeConn, body, sign(body)).expect(200);
    expect(again.body).toEqual({ accepted: 0, duplicates: 1 });

    const burst = stripeEvent('evt_dup_2');
    const answers = await Promise.all(Array.from({ length: 25 }, () => postStripe(stripeConn, burst, sign(burst))));
    expect(answers.map((r) => r.status)).toEqual(Array(25).fill(200));
    expect(answers.reduce((n, r) => n + r.body.accepted, 0)).toBe(1);

    for (const id of ['evt_dup_1', 'evt_dup_2']) {
      await until(`${id} processed`, async () => (await events('&status=processed')).some((e) => e.externalId === id));
      expect(await count(`SELECT count(*) AS n FROM webhook_events WHERE external_id = $1`, [id])).toBe(1);
      expect(received.filter((e) => e.data.externalEventId === id)).toHaveLength(1);
    }
  });

  it('routes app-level HubSpot deliveries by portal id and refreshes the touched records through an incremental sync', async () => {
    const conn = await connect({ plugin: 'hubspot', name: 'hubspot-app', credentials: hubspot.credentials, settings: { portalId: String(hubspot.portalId) } });
    const first = (await http().post(`/api/v1/connections/${conn}/syncs`).set(a.auth).send({ entity: 'contacts', mode: 'full' }).expect(202)).body.id;
    await until('the first sync', async () => (await http().get(`/api/v1/sync-runs/${first}`).set(a.auth).expect(200)).body.status === 'succeeded');

    await fetch(`${hubspot.url}/__sim/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${t.url}/webhooks/hubspot` }) });
    const touched = await (await fetch(`${hubspot.url}/__sim/touch`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ objectType: 'contacts', count: 2, properties: { firstname: 'Webhooked' } }),
    })).json() as { ids: string[]; webhookStatus: number };
    expect(touched.webhookStatus).toBe(200);

    const processed = await until('both events processed', async () => {
      const list = (await events(`&connectionId=${conn}`)).filter((e) => e.type === 'hubspot.contact.propertyChange');
      return list.length === 2 && list.every((e) => e.status === 'processed') && list;
    });
    const syncs = processed.flatMap((e) => (e.outcome!.refreshed as { sync: string; runId?: string }[]));
    // one event starts the incremental run; the other finds it active
    expect(syncs.map((s) => s.sync).sort()).toEqual(['already_active', 'queued']);
    const runId = syncs.find((s) => s.runId)!.runId!;
    const run = await until('the webhook-triggered sync', async () => {
      const r = (await http().get(`/api/v1/sync-runs/${runId}`).set(a.auth).expect(200)).body;
      return r.status === 'succeeded' && r;
    });
    expect(run).toMatchObject({ mode: 'incremental', trigger: 'webhook', counts: { updated: 2 } });
    const records = (await http().get(`/api/v1/platforms/hubspot/contacts?connectionId=${conn}&limit=500`).set(a.auth).expect(200)).body.data as { externalId: string; raw: { properties: Record<string, string> } }[];
    for (const id of touched.ids) expect(records.find((r) => r.externalId === id)!.raw.properties.firstname).toBe('Webhooked');
  });

  it('accepts a genuine delivery the plugin cannot parse, retries it with backoff, dead-letters it, and replays it on request', async () => {
    const conn = await connect({ plugin: 'hubspot', name: 'hubspot-bad-payload', credentials: hubspot.credentials });
    const body = JSON.stringify([{ eventId: 'not-a-number', subscriptionType: 'contact.creation' }]);
    const uri = `${t.config.PUBLIC_URL}/webhooks/hubspot/${conn}`;
    const headers = { 'content-type': 'application/json', ...signHubspotWebhook({ clientSecret: hubspot.credentials.webhookSecret, method: 'POST', uri, body }) };
    expect((await http().post(`/webhooks/hubspot/${conn}`).set(headers).send(body).expect(200)).body).toEqual({ accepted: 1, duplicates: 0 });

    const dead = await until('dead-lettered', async () => (await events(`&connectionId=${conn}&status=dead`)).at(0));
    expect(dead).toMatchObject({ type: 'hubspot.unparsed', status: 'dead', attempts: 3 });
    expect(dead.lastError).toMatch(/hubspot could not parse the delivery/);
    const detail = (await http().get(`/api/v1/webhook-events/${dead.id}`).set(a.auth).expect(200)).body;
    expect(detail.attemptLog.map((x: { ok: boolean }) => x.ok)).toEqual([false, false, false]);
    // the retries waited: 100 ms, then 200 ms (WEBHOOK_PROCESS_BACKOFF_MS doubling)
    const starts = detail.attemptLog.map((x: { startedAt: string }) => Date.parse(x.startedAt));
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(100);
    expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(200);
    expect(received.some((e) => e.data.eventId === dead.id)).toBe(false);
    expect(failed.filter((e) => e.data.eventId === dead.id).map((e) => [e.data.attempt, e.data.dead])).toEqual([[1, false], [2, false], [3, true]]);

    const replayed = (await http().post(`/api/v1/webhook-events/${dead.id}/replay`).set(a.auth).expect(202)).body;
    expect(replayed).toMatchObject({ id: dead.id, status: 'pending', attempts: 0 });
    await until('dead again', async () => (await http().get(`/api/v1/webhook-events/${dead.id}`).set(a.auth).expect(200)).body.attemptLog.length === 6);
  });

  it('subscribes at the platform when a connection is made without a secret, verifies with the secret it issued, and unsubscribes on removal', async () => {
    const conn = await connect({ plugin: 'stripe', name: 'stripe-subscribed', credentials: { secretKey: stripe.credentials.secretKey } });
    const endpoints = async () => (await (await fetch(`${stripe.url}/v1/webhook_endpoints`, { headers: { authorization: `Bearer ${stripe.credentials.secretKey}` } })).json() as { data: { id: string; url: string }[] }).data;
    expect((await endpoints()).map((e) => e.url)).toContain(`${t.config.PUBLIC_URL}/webhooks/stripe/${conn}`);
    const shown = (await http().get(`/api/v1/connections/${conn}`).set(a.auth).expect(200)).body;
    expect(shown.credentials.webhookSecret).toMatch(/^••••/);

    await fetch(`${stripe.url}/__sim/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: '' }) });
    const { event, deliveries } = await stripe.emit('invoice.paid', { id: 'in_sub_1', object: 'invoice' });
    expect(deliveries).toEqual([{ url: `${t.config.PUBLIC_URL}/webhooks/stripe/${conn}`, status: 200 }]);
    await until('processed', async () => (await events(`&connectionId=${conn}&status=processed`)).some((e) => e.externalId === event.id));

    await http().delete(`/api/v1/connections/${conn}`).set(a.auth).expect(200);
    expect((await endpoints()).map((e) => e.url)).not.toContain(`${t.config.PUBLIC_URL}/webhooks/stripe/${conn}`);
  });

  it('answers Slack\'s signed URL challenge without storing it, then takes its events once, by event_id', async () => {
    const signingSecret = 'slack-signing-secret-for-tests';
    const conn = await connect({ plugin: 'slack', name: 'slack', credentials: { ...slack.credentials, webhookSecret: signingSecret } });
    const post = (body: string, secret = signingSecret) =>
      http().post(`/webhooks/slack/${conn}`).set({ 'content-type': 'application/json', ...signWebhook(slackSigningV0, secret, { body }) }).send(body);
    const before = await count(`SELECT count(*) AS n FROM webhook_events WHERE connection_id = $1`, [conn]);

    const challenge = JSON.stringify({ token: 'legacy', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    expect((await post(challenge).expect(200)).body).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    // the challenge proves the URL only to whoever holds the signing secret
    await post(challenge, 'another-secret').expect(401);

    const callback = JSON.stringify({
      token: 'legacy', team_id: 'T0001', api_app_id: 'A0001', type: 'event_callback', event_id: 'Ev0PV52K21', event_time: Math.floor(Date.now() / 1000),
      event: { type: 'channel_rename', channel: { id: 'C0RENAMED', name: 'renamed', created: 1360782804 }, event_ts: '1360782804.000200' },
    });
    expect((await post(callback).expect(200)).body).toEqual({ accepted: 1, duplicates: 0 });
    // Slack retries a slow delivery with the same event_id (and X-Slack-Retry-Num)
    expect((await post(callback).set('x-slack-retry-num', '1').expect(200)).body).toEqual({ accepted: 0, duplicates: 1 });
    const stored = await until('processed', async () => (await events(`&connectionId=${conn}&status=processed`)).at(0));
    expect(stored).toMatchObject({ type: 'slack.channel_rename', externalId: 'Ev0PV52K21', entity: 'channels' });
    expect(await count(`SELECT count(*) AS n FROM webhook_events WHERE connection_id = $1`, [conn])).toBe(before + 1);
    expect(received.filter((e) => e.data.connectionId === conn).map((e) => e.data.externalIds)).toEqual([['C0RENAMED']]);
  });

  it('takes Twilio\'s form-encoded status callbacks signed over the URL and sorted parameters, one event per message status', async () => {
    const conn = await connect({ plugin: 'twilio', name: 'twilio', credentials: twilio.credentials });
    const url = `${t.config.PUBLIC_URL}/webhooks/twilio/${conn}`;
    const contentType = 'application/x-www-form-urlencoded';
    const callback = (status: string) => new URLSearchParams({
      AccountSid: twilio.credentials.accountSid, ApiVersion: '2010-04-01', From: '+15017122661', MessageSid: 'SM1234567890abcdef1234567890abcdef', MessageStatus: status, SmsSid: 'SM1234567890abcdef1234567890abcdef', SmsStatus: status, To: '+15558675310',
    }).toString();
    const post = (body: string, token = twilio.credentials.authToken) =>
      http().post(`/webhooks/twilio/${conn}`).set({ 'content-type': contentType, ...signWebhook(twilioSignature, token, { url, body, contentType }) }).send(body);

    expect((await post(callback('sent')).expect(200)).body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await post(callback('delivered')).expect(200)).body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await post(callback('delivered')).expect(200)).body).toEqual({ accepted: 0, duplicates: 1 });
    await post(callback('failed'), 'not-the-auth-token').expect(401);
    const done = await until('both processed', async () => {
      const list = await events(`&connectionId=${conn}&status=processed`);
      return list.length === 2 && list;
    });
    expect(done.map((e) => e.type).sort()).toEqual(['twilio.message.delivered', 'twilio.message.sent']);
    expect(new Set(done.map((e) => e.externalId))).toEqual(new Set(['SM1234567890abcdef1234567890abcdef:sent', 'SM1234567890abcdef1234567890abcdef:delivered']));
  });
});
