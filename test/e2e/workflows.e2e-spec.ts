import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type request from 'supertest';
import { EventBus } from '../../src/core/events';
import { TenantDirectory } from '../../src/core/tenancy';
import { startSimulator, type HubspotSimulator } from '../../src/plugins/hubspot/simulator/hubspot.simulator';
import { startSimulator as startSlack, type SlackSimulator } from '../../src/plugins/slack/simulator/slack.simulator';
import { startSmtpSink } from '../support/smtp-sink';
import { startSyncApiApp, syncTestConfig } from '../support/sync-test-app';
import type { TestConnectionAccess } from '../support/test-connections';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

interface Execution {
  id: string;
  status: string;
  version: number;
  error: string | null;
  failedStep: string | null;
  runs: number;
  steps: { key: string; stepId: string; status: string; attempts: number; input: unknown; output: any; error: string | null }[];
}

/** A loopback HTTP server whose answer per path the test sets; it keeps every request. */
async function scriptedServer(): Promise<{ url: string; calls: { method: string; path: string; body: string; apiKey?: string }[]; answer: Map<string, (res: ServerResponse) => void>; close(): Promise<void> }> {
  const calls: { method: string; path: string; body: string; apiKey?: string }[] = [];
  const answer = new Map<string, (res: ServerResponse) => void>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      calls.push({ method: req.method ?? 'GET', path, body, apiKey: req.headers['x-api-key'] as string | undefined });
      const a = answer.get(path);
      if (a) a(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, answer,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('workflows over the API (webhook, api, event, data_change and inbound triggers; steps; test mode; failures)', () => {
  // waits are bounded by the helpers below (a minute each); a loaded machine may need that long
  jest.setTimeout(120_000);
  let db: TestDatabase;
  const redis = createTestRedisPrefix('workflows');
  let app: NestFastifyApplication;
  let access: TestConnectionAccess;
  let http: () => ReturnType<typeof request>;
  let sim: HubspotSimulator;
  let slack: SlackSimulator;
  let server: Awaited<ReturnType<typeof scriptedServer>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let auth: { Authorization: string };
  let tenantId: string;
  let hubspot: string;
  let dealId: string;
  let ds: DataSource;
  let events: EventBus;

  const create = async (definition: object): Promise<{ id: string; version: number; inboundUrl?: string }> => {
    const res = await http().post('/api/v1/workflows').set(auth).send(definition);
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const activate = (id: string) => http().post(`/api/v1/workflows/${id}/activate`).set(auth).expect(200);
  const execution = async (id: string): Promise<Execution> => (await http().get(`/api/v1/executions/${id}`).set(auth).expect(200)).body;
  const executionsOf = async (workflowId: string): Promise<Execution[]> => (await http().get(`/api/v1/workflows/${workflowId}/executions`).set(auth).expect(200)).body.data;

  async function settled(workflowId: string, count = 1, ms = 60_000): Promise<Execution[]> {
    const end = Date.now() + ms;
    for (;;) {
      const list = await executionsOf(workflowId);
      if (list.length >= count && list.every((e) => ['succeeded', 'failed', 'cancelled'].includes(e.status))) return Promise.all(list.map((e) => execution(e.id)));
      if (Date.now() > end) throw new Error(`executions of ${workflowId} not settled: ${JSON.stringify(list.map((e) => [e.status, e.error]))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function until<T>(fn: () => Promise<T | undefined | null | false>, what: string, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('workflows');
    sim = await startSimulator({ seed: 20 });
    slack = await startSlack();
    server = await scriptedServer();
    smtp = await startSmtpSink();
    ({ app, access, http } = await startSyncApiApp(syncTestConfig({
      dbUrl: db.url, redisPrefix: redis.prefix,
      env: { WORKFLOW_HTTP_ALLOWED_NETWORKS: '127.0.0.0/8', SMTP_URL: smtp.url, WORKFLOW_JOB_LOCK_MS: '2000' },
    })));
    ds = app.get(DataSource);
    events = app.get(EventBus);
    const signup = await http().post('/api/v1/auth/signup').send({ email: `wf-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: 'wf' }).expect(201);
    auth = { Authorization: `Bearer ${signup.body.accessToken}` };
    tenantId = signup.body.tenant.id;
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [tenantId]);
    app.get(TenantDirectory).invalidate(tenantId);
    hubspot = access.add({ tenantId, plugin: 'hubspot', baseUrl: sim.url, credentials: sim.credentials });
    const deals = await (await fetch(`${sim.url}/crm/v3/objects/deals?limit=1`, { headers: { authorization: `Bearer ${sim.credentials.accessToken}` } })).json() as { results: { id: string }[] };
    dealId = deals.results[0].id;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sim?.close();
    await slack?.close();
    await server?.close();
    await smtp?.close();
    await db?.drop();
    await redis.purge();
  });

  it('refuses a bad definition with errors naming the step and the field', async () => {
    const res = await http().post('/api/v1/workflows').set(auth).send({
      name: 'bad',
      trigger: { type: 'webhook', event: 'hubspot.deal.propertyChange' },
      steps: [
        { id: 'big', type: 'condition', if: 'trigger.data.amount >', then: ['deal'] },
        { id: 'deal', type: 'plugin_action', action: 'hubspot.update_dael', connectionId: hubspot, input: {} },
        { id: 'mail', type: 'send_email', to: 'x@example.test', subject: 'Hi {{ trigger.data.name ' },
      ],
    }).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const fields = (res.body.errors as { field: string; message: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['steps[0].if', 'steps[2].text']));
    expect(res.body.errors.find((e: { field: string }) => e.field === 'steps[0].if').message).toMatch(/^step "big": if: ">" is missing an operand/);

    const unknownAction = await http().post('/api/v1/workflows').set(auth).send({
      name: 'bad action', trigger: { type: 'api' }, steps: [{ id: 'deal', type: 'plugin_action', action: 'hubspot.update_dael', connectionId: hubspot }],
    }).expect(400);
    expect(unknownAction.body.errors).toEqual([{ field: 'steps[0].action', message: expect.stringMatching(/^step "deal": action: plugin hubspot has no action update_dael \(it has .*update_deal/) }]);

    const badRef = await http().post('/api/v1/workflows').set(auth).send({
      name: 'bad ref', trigger: { type: 'schedule', cron: '0 9 * * 1-5', timezone: 'Mars/Olympus' },
      steps: [{ id: 'c', type: 'condition', if: 'true', then: ['nope'] }, { id: 'Wait', type: 'delay', ms: 5 }],
    }).expect(400);
    expect(badRef.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['steps[1].id']));
  });

  it('limits active workflows by the plan (billing entitlements): a free tenant has one', async () => {
    const free = await http().post('/api/v1/auth/signup').send({ email: `wf-free-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: 'free' }).expect(201);
    const as = { Authorization: `Bearer ${free.body.accessToken}` };
    const ids: string[] = [];
    for (const name of ['one', 'two']) ids.push((await http().post('/api/v1/workflows').set(as).send({ name, trigger: { type: 'manual' }, steps: [{ id: 'x', type: 'transform', set: {} }] }).expect(201)).body.id);
    await http().post(`/api/v1/workflows/${ids[0]}/activate`).set(as).expect(200);
    const refused = await http().post(`/api/v1/workflows/${ids[1]}/activate`).set(as).expect(402);
    expect(refused.body.detail).toMatch(/active workflows/);
    await http().post(`/api/v1/workflows/${ids[0]}/deactivate`).set(as).expect(200);
    expect((await http().post(`/api/v1/workflows/${ids[1]}/activate`).set(as).expect(200)).body.active).toBe(true);
  });

  it('runs the issue\'s paid-invoice workflow once per webhook event, delivered three times, and shows every step', async () => {
    const wf = await create({
      name: 'Paid invoice to HubSpot',
      trigger: { type: 'webhook', event: 'stripe.invoice.paid' },
      steps: [
        { id: 'big', type: 'condition', if: 'trigger.data.amount_paid > 100000', then: ['deal', 'tell'], else: [] },
        { id: 'deal', type: 'plugin_action', action: 'hubspot.update_deal', connectionId: hubspot, input: { dealId: '{{ trigger.data.metadata.deal_id }}', dealstage: 'closedwon', amount: '{{ trigger.data.amount_paid | divided_by: 100 }}' } },
        { id: 'tell', type: 'http_request', method: 'POST', url: `${server.url}/slack`, body: { text: 'Paid: {{ trigger.data.customer_email }} ({{ steps.deal.properties.dealstage }})', token: 'xoxb-secret' } },
      ],
    });
    await activate(wf.id);
    const event = { plugin: 'stripe', connectionId: null, eventId: 'evt_paid_1', type: 'stripe.invoice.paid', data: { amount_paid: 250000, customer_email: 'payer@example.test', metadata: { deal_id: dealId } } };
    for (let i = 0; i < 3; i++) events.emit('webhook.received', tenantId, event);
    const [done] = await settled(wf.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(await executionsOf(wf.id)).toHaveLength(1);
    expect(done).toMatchObject({ status: 'succeeded', version: 1, error: null });
    expect(done.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([['big', 'succeeded', 1], ['deal', 'succeeded', 1], ['tell', 'succeeded', 1]]);
    expect(done.steps[0].output).toEqual({ result: true, branch: 'then' });
    expect(done.steps[1].input).toEqual({ connectionId: hubspot, input: { dealId, dealstage: 'closedwon', amount: 2500 } });
    expect(done.steps[1].output.properties.dealstage).toBe('closedwon');
    // secrets are masked in the log, but the request carried them
    expect((done.steps[2].input as { body: { token: string } }).body.token).toBe('[masked]');
    const slack = server.calls.filter((c) => c.path === '/slack');
    expect(slack).toHaveLength(1);
    expect(JSON.parse(slack[0].body)).toEqual({ text: 'Paid: payer@example.test (closedwon)', token: 'xoxb-secret' });

    // a small invoice takes the else branch: nothing written
    events.emit('webhook.received', tenantId, { ...event, eventId: 'evt_paid_2', data: { ...event.data, amount_paid: 500 } });
    const both = await settled(wf.id, 2);
    const small = both.find((e) => e.steps[0].output.result === false)!;
    expect(small.steps.map((s) => s.stepId)).toEqual(['big']);
  });

  it('runs api workflows once per Idempotency-Key, and an edit makes a new version while a running execution finishes on its own', async () => {
    const wf = await create({
      name: 'slow api', trigger: { type: 'api' },
      steps: [
        { id: 'wait', type: 'delay', ms: 1500 },
        { id: 'out', type: 'transform', set: { doubled: '{{ trigger.body.amount | times: 2 }}', label: 'v1' } },
      ],
    });
    await http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).send({ input: { amount: 21 } }).expect(409);
    await activate(wf.id);
    const first = await http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).set('Idempotency-Key', 'order-7').send({ input: { amount: 21 } }).expect(202);
    const again = await http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).set('Idempotency-Key', 'order-7').send({ input: { amount: 21 } }).expect(200);
    expect(again.body.id).toBe(first.body.id);
    await until(async () => (await execution(first.body.id)).status === 'waiting', 'the delay');

    const edited = await http().patch(`/api/v1/workflows/${wf.id}`).set(auth).send({ steps: [{ id: 'out', type: 'transform', set: { label: 'v2' } }] }).expect(200);
    expect(edited.body.version).toBe(2);
    expect((await http().get(`/api/v1/workflows/${wf.id}/versions`).set(auth).expect(200)).body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const old = await until(async () => {
      const e = await execution(first.body.id);
      return e.status === 'succeeded' && e;
    }, 'the v1 execution');
    expect(old.version).toBe(1);
    expect(old.steps.find((s) => s.stepId === 'out')!.output).toEqual({ doubled: 42, label: 'v1' });
    const fresh = await http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).send({ input: {} }).expect(202);
    const v2 = await until(async () => {
      const e = await execution(fresh.body.id);
      return e.status === 'succeeded' && e;
    }, 'the v2 execution');
    expect(v2.version).toBe(2);
    expect(v2.steps.map((s) => [s.stepId, s.output])).toEqual([['out', { label: 'v2' }]]);
  });

  it('test mode records the exact requests of writes instead of sending them', async () => {
    const before = server.calls.length;
    const dealBefore = await (await fetch(`${sim.url}/crm/v3/objects/deals/${dealId}?properties=dealname`, { headers: { authorization: `Bearer ${sim.credentials.accessToken}` } })).json() as { properties: { dealname: string } };
    const wf = await create({
      name: 'test me', trigger: { type: 'webhook', event: 'stripe.invoice.paid' },
      steps: [
        { id: 'deal', type: 'plugin_action', action: 'hubspot.update_deal', connectionId: hubspot, input: { dealId: '{{ trigger.data.deal }}', dealname: 'Renamed in a test' } },
        { id: 'hook', type: 'http_request', method: 'POST', url: `${server.url}/hook`, headers: { authorization: 'Bearer top-secret' }, body: { n: '{{ trigger.data.n }}' } },
        { id: 'mail', type: 'send_email', to: 'ops@example.test', subject: 'n={{ trigger.data.n }}', text: 'hello' },
      ],
    });
    // the literal credential went to the vault: the definition shows and stores only a reference
    const shown = (await http().get(`/api/v1/workflows/${wf.id}`).set(auth).expect(200)).body;
    expect(shown.steps[1].headers).toEqual({ authorization: '[secret]' });
    expect(JSON.stringify(await ds.query(`SELECT definition FROM workflow_versions WHERE workflow_id = $1`, [wf.id]))).not.toContain('top-secret');
    await http().patch(`/api/v1/workflows/${wf.id}`).set(auth).send({ name: 'test me again' }).expect(200);
    const res = await http().post(`/api/v1/workflows/${wf.id}/test`).set(auth).send({ trigger: { data: { deal: dealId, n: 3 } } }).expect(200);
    const e = res.body as Execution & { mode: string };
    expect(e).toMatchObject({ status: 'succeeded', mode: 'test' });
    const [deal, hook, mail] = e.steps;
    expect(deal.output.requests).toEqual([{
      method: 'PATCH', url: `${sim.url}/crm/v3/objects/deals/${dealId}`, body: JSON.stringify({ properties: { dealname: 'Renamed in a test' } }),
      headers: expect.objectContaining({ authorization: '[masked]', 'content-type': 'application/json' }),
    }]);
    expect(hook.output).toEqual({ testMode: true, sent: false, request: { method: 'POST', url: `${server.url}/hook`, headers: expect.objectContaining({ authorization: '[masked]' }), body: '{"n":3}' } });
    expect(mail.output).toMatchObject({ testMode: true, sent: false, message: { to: ['ops@example.test'], subject: 'n=3' } });
    expect(server.calls.length).toBe(before);
    expect(smtp.messages).toHaveLength(0);
    const dealAfter = await (await fetch(`${sim.url}/crm/v3/objects/deals/${dealId}?properties=dealname`, { headers: { authorization: `Bearer ${sim.credentials.accessToken}` } })).json() as { properties: { dealname: string } };
    expect(dealAfter.properties.dealname).toBe(dealBefore.properties.dealname);
  });

  it('a step that throws, times out or returns malformed data fails the execution with a readable error; retry resumes at the failed step', async () => {
    server.answer.set('/flaky', (res) => res.writeHead(503).end('down for maintenance'));
    server.answer.set('/hang', () => undefined);
    const wf = await create({
      name: 'failures', trigger: { type: 'api' },
      steps: [
        { id: 'first', type: 'http_request', url: `${server.url}/first`, headers: { 'x-api-key': 'k-123' } },
        { id: 'flaky', type: 'http_request', url: `${server.url}/flaky`, retry: { attempts: 2, backoffMs: 10 } },
      ],
    });
    await activate(wf.id);
    const run = await http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).send({}).expect(202);
    const failed = await until(async () => {
      const e = await execution(run.body.id);
      return e.status === 'failed' && e;
    }, 'the failure');
    expect(failed.failedStep).toBe('flaky');
    expect(failed.error).toBe(`step "flaky" (http_request) failed after 2 attempts: GET 127.0.0.1:${new URL(server.url).port}/flaky answered 503: down for maintenance`);
    expect(failed.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([['first', 'succeeded', 1], ['flaky', 'failed', 2]]);

    // the key was kept in the vault and read back for the call
    expect(server.calls.find((c) => c.path === '/first')!.apiKey).toBe('k-123');
    server.answer.delete('/flaky');
    const firstCalls = server.calls.filter((c) => c.path === '/first').length;
    await http().post(`/api/v1/executions/${run.body.id}/retry`).set(auth).expect(202);
    const retried = await until(async () => {
      const e = await execution(run.body.id);
      return e.status === 'succeeded' && e;
    }, 'the retry');
    expect(retried.steps.map((s) => [s.stepId, s.status])).toEqual([['first', 'succeeded'], ['flaky', 'succeeded']]);
    expect(server.calls.filter((c) => c.path === '/first').length).toBe(firstCalls);

    const slow = await create({ name: 'hangs', trigger: { type: 'manual' }, steps: [{ id: 'hang', type: 'http_request', url: `${server.url}/hang`, timeoutMs: 300 }] });
    const hung = await http().post(`/api/v1/workflows/${slow.id}/run`).set(auth).send({}).expect(202);
    const timedOut = await until(async () => {
      const e = await execution(hung.body.id);
      return e.status === 'failed' && e;
    }, 'the timeout');
    expect(timedOut.error).toBe('step "hang" (http_request) failed: timed out after 300 ms');

    // a HubSpot connection aimed at a server that answers with a numeric id: the action's output schema refuses it
    server.answer.set(`/crm/v3/objects/deals/${dealId}`, (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 5, properties: 'none' })));
    const broken = access.add({ tenantId, plugin: 'hubspot', baseUrl: server.url, credentials: sim.credentials });
    const bad = await create({ name: 'malformed', trigger: { type: 'manual' }, steps: [{ id: 'deal', type: 'plugin_action', action: 'hubspot.update_deal', connectionId: broken, input: { dealId, dealstage: 'x' } }] });
    const malformed = await http().post(`/api/v1/workflows/${bad.id}/run`).set(auth).send({}).expect(202);
    const m = await until(async () => {
      const e = await execution(malformed.body.id);
      return e.status === 'failed' && e;
    }, 'the malformed output');
    expect(m.error).toMatch(/^step "deal" \(plugin_action hubspot.update_deal\) failed: hubspot.update_deal returned data that does not match its output schema: id: .*string/);

    const throws = await create({ name: 'bad template', trigger: { type: 'manual' }, steps: [{ id: 'loop', type: 'loop', items: 'trigger.body.nope', steps: ['x'] }, { id: 'x', type: 'transform', set: { a: 1 } }] });
    const t = await http().post(`/api/v1/workflows/${throws.id}/run`).set(auth).send({ input: { nope: 'a string' } }).expect(202);
    expect((await until(async () => {
      const e = await execution(t.body.id);
      return e.status === 'failed' && e;
    }, 'the throw')).error).toBe('step "loop" (loop) failed: items gave string, expected a list');
  });

  it('cancels a waiting execution: nothing after the delay runs', async () => {
    const wf = await create({ name: 'cancel me', trigger: { type: 'manual' }, steps: [{ id: 'wait', type: 'delay', ms: 4000 }, { id: 'after', type: 'http_request', url: `${server.url}/after-cancel` }] });
    const run = await http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).send({}).expect(202);
    const waiting = await until(async () => {
      const e = await execution(run.body.id);
      return e.status === 'waiting' && (e as Execution & { resumeAt: string });
    }, 'the delay');
    expect((await http().post(`/api/v1/executions/${run.body.id}/cancel`).set(auth).expect(200)).body.status).toBe('cancelled');
    // past the moment the delay's job wakes up
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(waiting.resumeAt) - Date.now()) + 1500));
    expect((await execution(run.body.id)).status).toBe('cancelled');
    expect(server.calls.filter((c) => c.path === '/after-cancel')).toHaveLength(0);
    await http().post(`/api/v1/executions/${run.body.id}/cancel`).set(auth).expect(409);
  });

  it('sends e-mail through SMTP, loops with a concurrency cap, and starts on platform events and inbound URLs', async () => {
    const wf = await create({
      name: 'on alert', trigger: { type: 'event', event: 'alert.fired', filter: 'trigger.data.severity == "critical"' },
      steps: [
        { id: 'each', type: 'loop', items: 'trigger.data.targets', concurrency: 3, steps: ['ping'] },
        { id: 'ping', type: 'http_request', method: 'POST', url: `${server.url}/ping/{{ item }}`, body: { index: '{{ index }}' } },
        { id: 'mail', type: 'send_email', to: ['ops@example.test'], subject: 'Alert {{ trigger.data.rule }}', text: 'pinged {{ steps.each.count }} targets' },
      ],
    });
    await activate(wf.id);
    events.emit('alert.fired', tenantId, { rule: 'low', severity: 'info', targets: ['x'] });
    events.emit('alert.fired', tenantId, { rule: 'disk', severity: 'critical', targets: ['a', 'b', 'c', 'd', 'e'] });
    const [done] = await settled(wf.id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.filter((s) => s.stepId === 'ping')).toHaveLength(5);
    expect(server.calls.filter((c) => c.path.startsWith('/ping/')).map((c) => c.path).sort()).toEqual(['/ping/a', '/ping/b', '/ping/c', '/ping/d', '/ping/e']);
    await until(async () => smtp.messages.length === 1, 'the e-mail');
    expect(smtp.messages[0].to).toEqual(['ops@example.test']);
    expect(smtp.messages[0].data).toContain('Subject: Alert disk');
    expect(smtp.messages[0].data).toContain('pinged 5 targets');

    // more items than one page (100): checkpointed page by page
    const many = await create({
      name: 'many', trigger: { type: 'manual' },
      steps: [{ id: 'each', type: 'loop', items: 'trigger.body.xs', concurrency: 5, steps: ['sq'] }, { id: 'sq', type: 'transform', set: { v: '{{ item | times: item }}' } }],
    });
    const xs = Array.from({ length: 250 }, (_, i) => i);
    const big = await http().post(`/api/v1/workflows/${many.id}/run`).set(auth).send({ input: { xs } }).expect(202);
    const bigDone = await until(async () => {
      const e = await execution(big.body.id);
      return e.status === 'succeeded' && e;
    }, 'the 250 iterations');
    const sq = bigDone.steps.filter((st) => st.stepId === 'sq');
    expect(sq).toHaveLength(250);
    expect(sq.find((st) => st.key === 'each[249].sq')!.output).toEqual({ v: 249 * 249 });
    expect(bigDone.steps.find((st) => st.stepId === 'each')!.output).toEqual({ count: 250 });

    const inbound = await create({ name: 'inbound', trigger: { type: 'webhook' }, steps: [{ id: 'echo', type: 'transform', set: { got: '{{ trigger.body.order }}' } }] });
    expect(inbound.inboundUrl).toMatch(/\/hooks\/workflows\/[A-Za-z0-9_-]{32}$/);
    const path = new URL(inbound.inboundUrl!).pathname;
    await http().post(path).send({ order: 1 }).expect(404);
    await activate(inbound.id);
    const a = await http().post(path).set('Idempotency-Key', 'o-1').send({ order: 1 }).expect(202);
    const b = await http().post(path).set('Idempotency-Key', 'o-1').send({ order: 1 }).expect(202);
    expect(b.body).toEqual({ accepted: true, executionId: null, duplicate: true });
    await http().post('/hooks/workflows/not-the-token-of-anything').send({}).expect(404);
    const [echo] = await settled(inbound.id);
    expect(echo.id).toBe(a.body.executionId);
    expect(echo.steps[0].output).toEqual({ got: 1 });
  });

  it('publishes through the publishing service, per platform, and records the publication in test mode', async () => {
    // publishing finds its targets among the tenant's stored connections; this harness opens them through the test access
    process.env.PLUGIN_SLACK_BASE_URL = slack.url;
    const team: string = (await http().post('/api/v1/connections').set(auth).send({ plugin: 'slack', name: 'Team Slack', credentials: slack.credentials }).expect(201)).body.id;
    delete process.env.PLUGIN_SLACK_BASE_URL;
    access.add({ id: team, tenantId, plugin: 'slack', baseUrl: slack.url, credentials: slack.credentials });
    const wf = await create({
      name: 'announce', trigger: { type: 'manual' },
      steps: [{ id: 'post', type: 'publish', content: 'Release {{ trigger.body.version }} is out', platforms: [team], options: { slack: { channel: '#general' } }, metadata: { links: ['https://example.test/notes'] } }],
    });
    const tried = (await http().post(`/api/v1/workflows/${wf.id}/test`).set(auth).send({ trigger: { body: { version: '1.2' } } }).expect(200)).body as Execution;
    expect(tried.steps[0].output).toMatchObject({ testMode: true, sent: false, request: { content: 'Release 1.2 is out', platforms: [team] } });
    expect(slack.messages('#general')).toHaveLength(0);
    const run = await http().post(`/api/v1/workflows/${wf.id}/run`).set(auth).send({ input: { version: '1.3' } }).expect(202);
    const done = await until(async () => {
      const e = await execution(run.body.id);
      return e.status !== 'queued' && e.status !== 'running' && e;
    }, 'the publication');
    expect({ status: done.status, error: done.error }).toEqual({ status: 'succeeded', error: null });
    expect(done.steps[0].output).toMatchObject({ status: 'published', platforms: [{ plugin: 'slack', status: 'published', url: expect.any(String) }] });
    expect(slack.messages('#general').map((m) => m.text)).toEqual([expect.stringContaining('Release 1.3 is out')]);
  });

  it('starts once per change the sync engine records (data_change), with a filter', async () => {
    const wf = await create({
      name: 'new contacts', trigger: { type: 'data_change', model: 'contact', ops: ['added'], filter: 'trigger.record.email contains "@"' },
      steps: [{ id: 'seen', type: 'transform', set: { email: '{{ trigger.record.email }}', change: '{{ trigger.change.id }}' } }],
    });
    await activate(wf.id);
    const run = await http().post(`/api/v1/connections/${hubspot}/syncs`).set(auth).send({ entity: 'contacts', mode: 'full' }).expect(202);
    await until(async () => (await http().get(`/api/v1/sync-runs/${run.body.id}`).set(auth)).body.status === 'succeeded', 'the sync');
    const contacts = Number((await ds.query(`SELECT count(*) AS n FROM sync_changes WHERE tenant_id = $1 AND model = 'contact' AND op = 'added'`, [tenantId]))[0].n);
    expect(contacts).toBeGreaterThan(0);
    const done = await settled(wf.id, contacts);
    // the feed read again (another sync's completion) starts nothing twice
    events.emit('sync.completed', tenantId, { runId: run.body.id });
    await new Promise((r) => setTimeout(r, 500));
    expect(done).toHaveLength(contacts);
    expect(await executionsOf(wf.id)).toHaveLength(contacts);
    expect(new Set(done.map((e) => e.steps[0].output.change)).size).toBe(contacts);
    expect(done.every((e) => /@/.test(e.steps[0].output.email))).toBe(true);

    // a loop over the synced records reads them a page at a time
    const each = await create({
      name: 'every contact', trigger: { type: 'manual' },
      steps: [{ id: 'each', type: 'loop', records: { model: 'contact' }, concurrency: 4, steps: ['mark'] }, { id: 'mark', type: 'transform', set: { email: '{{ item.email }}' } }],
    });
    const run2 = await http().post(`/api/v1/workflows/${each.id}/run`).set(auth).send({}).expect(202);
    const looped = await until(async () => {
      const e = await execution(run2.body.id);
      return e.status === 'succeeded' && e;
    }, 'the loop');
    const stored = Number((await ds.query(`SELECT count(*) AS n FROM sync_records WHERE tenant_id = $1 AND model = 'contact' AND deleted_at IS NULL`, [tenantId]))[0].n);
    expect(looped.steps.find((s) => s.stepId === 'each')!.output).toEqual({ count: stored });
    expect(looped.steps.filter((s) => s.stepId === 'mark')).toHaveLength(stored);
  });
});
