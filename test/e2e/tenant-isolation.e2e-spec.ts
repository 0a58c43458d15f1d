import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { signWebhook, type RunningSimulator } from '../../src/core/plugin-sdk';
import { EventBus } from '../../src/core/events';
import stripe from '../../src/plugins/stripe';
import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

/**
 * Walks every documented endpoint that takes an id with tenant B's credentials against tenant A's
 * ids: each must answer 404 (or refuse B outright), never A's data, and change nothing of A's.
 */
describe('tenant isolation', () => {
  let t: TestApp;
  let a: TenantSession;
  let b: TenantSession;
  const ids: Record<string, string> = {};

  let stripeSim: RunningSimulator;
  const savedBaseUrl = process.env.PLUGIN_STRIPE_BASE_URL;

  beforeAll(async () => {
    stripeSim = await (await stripe.simulator!()).startSimulator({ seed: 1 });
    process.env.PLUGIN_STRIPE_BASE_URL = stripeSim.url;
    t = await startTestApp({ label: 'isolation' });
    a = await t.signup('tenant-a');
    b = await t.signup('tenant-b');
    ids.apiKey = (await t.http().post('/api/v1/api-keys').set(a.auth).send({ name: 'a-key', scopes: ['read'] }).expect(201)).body.id;
    // Free allows one user and two connections, and the walk makes more than Free's 60 calls a minute
    await t.setPlan(a.tenantId, 'starter');
    await t.setPlan(b.tenantId, 'starter');
    ids.user = (await t.http().post('/api/v1/users').set(a.auth).send({ email: `a-member-${Date.now()}@example.test`, password: 'member password 1', role: 'member' }).expect(201)).body.id;
    ids.connection = (await t.http().post('/api/v1/connections').set(a.auth).send({ plugin: 'stripe', name: 'a-stripe', credentials: stripeSim.credentials }).expect(201)).body.id;
    // an API-only app: the run stays queued, which is all this walk needs
    ids.syncRun = (await t.http().post(`/api/v1/connections/${ids.connection}/syncs`).set(a.auth).send({ entity: 'customers', mode: 'full' }).expect(202)).body.id;
    const second = (await t.http().post('/api/v1/connections').set(a.auth).send({ plugin: 'stripe', name: 'a-stripe-2', credentials: stripeSim.credentials }).expect(201)).body.id;
    ids.syncFlow = (await t.http().post('/api/v1/sync-flows').set(a.auth).send({
      name: 'a-flow', source: { connectionId: ids.connection, entity: 'customers' }, target: { connectionId: second, entity: 'customers' },
      mapping: [{ from: 'email', to: 'email' }], direction: 'two_way', conflict: 'manual',
    }).expect(201)).body.id;
    // a conflict of A's flow, as a manual flow would leave it
    const ds = t.app.get(DataSource);
    const [link] = await ds.query(
      `INSERT INTO sync_links (tenant_id, flow_id, source_external_id, target_external_id, source_hash, target_hash, source_values, target_values)
       VALUES ($1, $2, 'cus_a', 'cus_b', '\\x00', '\\x00', '{}', '{}') RETURNING id`,
      [a.tenantId, ids.syncFlow],
    );
    ids.conflict = (await ds.query(
      `INSERT INTO sync_conflicts (tenant_id, flow_id, link_id, fields, source_values, target_values) VALUES ($1, $2, $3, '{email}', '{"email":"a@x"}', '{"email":"b@x"}') RETURNING id`,
      [a.tenantId, ids.syncFlow, link.id],
    ))[0].id;
    // two of A's customers from two connections sharing an email: one proposed reconciliation group
    for (const [conn, ext, email] of [[ids.connection, 'cus_1', 'Same@Example.test'], [randomUUID(), 'cus_2', 'same@example.test ']]) {
      await t.app.get(DataSource).query(
        `INSERT INTO sync_records (tenant_id, connection_id, plugin, entity, model, external_id, raw, unified, hash) VALUES ($1, $2, 'stripe', 'customers', 'customer', $3, '{}', $4::jsonb, '\\x00')`,
        [a.tenantId, conn, ext, JSON.stringify({ email })],
      );
    }
    expect((await t.http().post('/api/v1/reconciliation/runs').set(a.auth).send({ model: 'customer' }).expect(200)).body.proposed).toBe(1);
    ids.recordGroup = (await t.http().get('/api/v1/reconciliation/groups').set(a.auth).expect(200)).body.data[0].id;
    // a publication of A's with a failed platform, so that retry would have something to do
    ids.publication = (await ds.query(
      `INSERT INTO publications (tenant_id, content_type, content, status) VALUES ($1, 'post', 'a-post', 'failed') RETURNING id`, [a.tenantId],
    ))[0].id;
    await ds.query(
      `INSERT INTO publication_targets (tenant_id, publication_id, connection_id, plugin, status, error_code, error) VALUES ($1, $2, $3, 'slack', 'failed', 'platform_500', 'down')`,
      [a.tenantId, ids.publication, ids.connection],
    );
    // a workflow of A's and one execution of it (queued: this app has no worker)
    ids.workflow = (await t.http().post('/api/v1/workflows').set(a.auth).send({ name: 'a-flow', trigger: { type: 'api' }, steps: [{ id: 'x', type: 'transform', set: { a: 1 } }] }).expect(201)).body.id;
    await t.http().post(`/api/v1/workflows/${ids.workflow}/activate`).set(a.auth).expect(200);
    ids.execution = (await t.http().post(`/api/v1/workflows/${ids.workflow}/run`).set(a.auth).send({ input: {} }).expect(202)).body.id;
    // an inbound event of A's (a delivery signed for A's connection), an outbound endpoint and a delivery to it (pending: no worker)
    const hook = JSON.stringify({ id: 'evt_isolation', object: 'event', type: 'customer.updated', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_iso', object: 'customer' } } });
    await t.http().post(`/webhooks/stripe/${ids.connection}`).set({ 'content-type': 'application/json', ...signWebhook(stripe.webhooks!.scheme, stripeSim.credentials.webhookSecret, { body: hook }) }).send(hook).expect(200);
    ids.webhookEvent = (await t.http().get('/api/v1/webhook-events').set(a.auth).expect(200)).body.data[0].id;
    ids.webhookEndpoint = (await t.http().post('/api/v1/webhook-endpoints').set(a.auth).send({ url: 'https://hooks.example.test/a', eventTypes: ['sync.completed'] }).expect(201)).body.id;
    ids.webhookDelivery = (await t.http().post(`/api/v1/webhook-endpoints/${ids.webhookEndpoint}/test`).set(a.auth).expect(202)).body.id;
    // an in-app alert channel of A's, and an alert of A's (a sync of A's failed) with its in-app notification
    ids.alertChannel = (await t.http().post('/api/v1/alert-channels').set(a.auth).send({ name: 'a-inbox', type: 'in_app', config: {} }).expect(201)).body.id;
    t.app.get(EventBus).emit('sync.failed', a.tenantId, { runId: randomUUID(), connectionId: ids.connection, entity: 'customers', mode: 'full', error: 'isolation' });
    for (let i = 0; i < 200 && !ids.notification; i++) {
      [{ id: ids.notification, alert_id: ids.alert } = { id: '', alert_id: '' }] = await ds.query('SELECT id, alert_id FROM alert_notifications WHERE tenant_id = $1', [a.tenantId]);
      if (!ids.notification) await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await t.close();
    await stripeSim.close();
    if (savedBaseUrl === undefined) delete process.env.PLUGIN_STRIPE_BASE_URL;
    else process.env.PLUGIN_STRIPE_BASE_URL = savedBaseUrl;
  });

  /** which of A's ids each path parameter stands for, by the path's resource */
  function idFor(path: string): string | null {
    if (path.startsWith('/api/v1/api-keys/')) return ids.apiKey;
    if (path.startsWith('/api/v1/users/')) return ids.user;
    if (path.startsWith('/api/v1/connections/')) return ids.connection;
    if (path.startsWith('/api/v1/sync-runs/')) return ids.syncRun;
    if (path.startsWith('/api/v1/sync-flows/')) return ids.syncFlow;
    if (path.startsWith('/api/v1/conflicts/')) return ids.conflict;
    if (path.startsWith('/api/v1/reconciliation/groups/')) return ids.recordGroup;
    if (path.startsWith('/api/v1/publications/')) return ids.publication;
    if (path.startsWith('/api/v1/workflows/')) return ids.workflow;
    if (path.startsWith('/api/v1/executions/')) return ids.execution;
    if (path.startsWith('/api/v1/webhook-events/')) return ids.webhookEvent;
    if (path.startsWith('/api/v1/webhook-endpoints/')) return ids.webhookEndpoint;
    if (path.startsWith('/api/v1/webhook-deliveries/')) return ids.webhookDelivery;
    if (path.startsWith('/api/v1/alerts/')) return ids.alert;
    if (path.startsWith('/api/v1/alert-channels/')) return ids.alertChannel;
    if (path.startsWith('/api/v1/notifications/')) return ids.notification;
    return null;
  }

  it('answers 404 to tenant B on every id-taking endpoint with tenant A ids', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const walked: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (!template.includes('{id}')) continue;
      const id = idFor(template);
      // a new id-taking resource must be added to idFor, or this walk would silently skip it
      expect({ template, covered: id !== null }).toEqual({ template, covered: true });
      const path = template.replace('{id}', id!);
      for (const method of Object.keys(ops)) {
        const res = await t.http()[method as 'get' | 'post' | 'patch' | 'delete'](path).set(b.auth).send({});
        walked.push(`${method.toUpperCase()} ${template} -> ${res.status}`);
        expect({ call: `${method} ${template}`, status: res.status }).toEqual({ call: `${method} ${template}`, status: 404 });
        expect(JSON.stringify(res.body)).not.toContain(a.tenantId);
      }
    }
    expect(walked.length).toBeGreaterThanOrEqual(3);
  });

  it("never lists A's rows to B, and A's key still works afterwards", async () => {
    const keys = (await t.http().get('/api/v1/api-keys').set(b.auth).expect(200)).body.data;
    expect(keys.map((k: { id: string }) => k.id)).not.toContain(ids.apiKey);
    const users = (await t.http().get('/api/v1/users').set(b.auth).expect(200)).body.data;
    expect(users.map((u: { id: string }) => u.id)).toEqual([b.userId]);
    const connections = (await t.http().get('/api/v1/connections').set(b.auth).expect(200)).body.data;
    expect(connections).toEqual([]);
    await t.http().get(`/api/v1/connections/${ids.connection}`).set(a.auth).expect(200);
    const audit = (await t.http().get('/api/v1/audit-log?limit=200').set(b.auth).expect(200)).body.data;
    expect(JSON.stringify(audit)).not.toContain(a.userId);
    expect((await t.http().get('/api/v1/reconciliation/groups').set(b.auth).expect(200)).body.data).toEqual([]);
    expect((await t.http().get(`/api/v1/reconciliation/groups/${ids.recordGroup}`).set(a.auth).expect(200)).body.status).toBe('proposed');
    expect((await t.http().get('/api/v1/sync-flows').set(b.auth).expect(200)).body.data).toEqual([]);
    expect((await t.http().get('/api/v1/conflicts').set(b.auth).expect(200)).body.data).toEqual([]);
    expect((await t.http().get('/api/v1/publications').set(b.auth).expect(200)).body.data).toEqual([]);
    expect((await t.http().get(`/api/v1/publications/${ids.publication}`).set(a.auth).expect(200)).body.platforms[0].status).toBe('failed');
    await t.http().get(`/api/v1/sync-flows/${ids.syncFlow}`).set(a.auth).expect(200);
    expect((await t.http().get('/api/v1/conflicts?status=open').set(a.auth).expect(200)).body.data.map((c: { id: string }) => c.id)).toEqual([ids.conflict]);
    for (const list of ['webhook-events', 'webhook-endpoints', 'webhook-deliveries', 'webhook-rejections']) {
      expect({ list, data: (await t.http().get(`/api/v1/${list}`).set(b.auth).expect(200)).body.data }).toEqual({ list, data: [] });
    }
    expect((await t.http().get(`/api/v1/webhook-endpoints/${ids.webhookEndpoint}`).set(a.auth).expect(200)).body.status).toBe('enabled');
    const aKeys = (await t.http().get('/api/v1/api-keys').set(a.auth).expect(200)).body.data;
    expect(aKeys.find((k: { id: string }) => k.id === ids.apiKey).revokedAt).toBeNull();
  });

  it("refuses B's API key on A's resources the same way", async () => {
    const bKey = (await t.http().post('/api/v1/api-keys').set(b.auth).send({ name: 'b-admin', scopes: ['read', 'write', 'admin'] }).expect(201)).body.key;
    await t.http().delete(`/api/v1/api-keys/${ids.apiKey}`).set('X-API-Key', bKey).expect(404);
    await t.http().get(`/api/v1/users/${ids.user}`).set('X-API-Key', bKey).expect(404);
  });
});
