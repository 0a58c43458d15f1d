import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { UpstreamError, type SyncDefinition } from '../../core/plugin-sdk';
import { fetchAllPages, pluginTestContext, type PluginTestContext } from '../../core/plugin-sdk/testing';
import plugin from './index';
import { startSimulator, type StripeSimulator } from './simulator/stripe.simulator';

type Entity = 'customers' | 'products' | 'invoices' | 'subscriptions';
const ENTITIES: Entity[] = ['customers', 'products', 'invoices', 'subscriptions'];

describe('stripe plugin against its simulator', () => {
  let sim: StripeSimulator;
  let ctx: PluginTestContext;

  beforeAll(async () => {
    sim = await startSimulator();
    ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
  });

  afterAll(async () => {
    await ctx.close();
    await sim.close();
  });

  const sync = (entity: Entity) => plugin.entities[entity] as SyncDefinition<{ id: string; created: number }>;
  const control = (name: string, body: unknown) =>
    fetch(`${sim.url}/__sim/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const raw = async (path: string, authorization?: string) => {
    const res = await fetch(`${sim.url}${path}`, { headers: authorization ? { authorization } : {} });
    return { status: res.status, body: (await res.json()) as { error?: Record<string, string>; data?: unknown[] } };
  };

  it.each(ENTITIES)('lists every %s exactly once across pages', async (entity) => {
    const { records, pages } = await fetchAllPages(sync(entity), ctx);
    expect(records).toHaveLength(sim.seeded[entity]);
    expect(new Set(records.map((r) => r.id)).size).toBe(sim.seeded[entity]);
    expect(pages).toBe(Math.ceil(sim.seeded[entity] / 100));
  });

  it('includes canceled subscriptions, which Stripe hides from a plain list', async () => {
    const plain = await raw('/v1/subscriptions?limit=100&status=canceled', `Bearer ${sim.credentials.secretKey}`);
    expect(plain.body.data!.length).toBeGreaterThan(0);
    const { records } = await fetchAllPages(sync('subscriptions'), ctx);
    const canceled = records.filter((s) => (s as unknown as { status: string }).status === 'canceled');
    expect(canceled).toHaveLength(plain.body.data!.length);
  });

  it('maps records to the unified models', async () => {
    const [invoice] = (await sync('invoices').fetchPage(ctx, { cursor: null, modifiedSince: null })).records;
    const unified = plugin.entities.invoices.toUnified(invoice);
    expect(unified).toEqual(expect.objectContaining({ currency: 'usd', customerExternalId: expect.stringMatching(/^cus_/) }));
    expect(plugin.entities.invoices.externalId(invoice)).toBe(invoice.id);
    expect(plugin.entities.invoices.remoteUpdatedAt(invoice)).toEqual(new Date(invoice.created * 1000));
  });

  it('fetches only records created since the last run when incremental', async () => {
    const since = new Date();
    const created = [];
    for (const email of ['new.one@example.com', 'new.two@example.com']) {
      created.push(await plugin.actions.create_customer.run(ctx, { email }));
    }
    const { records } = await fetchAllPages(sync('customers'), ctx, since);
    expect(records.map((r) => r.id).sort()).toEqual(created.map((c) => c.id).sort());
    expect((await fetchAllPages(sync('invoices'), ctx, since)).records).toHaveLength(0);
  });

  it('checks the connection, and reports a refused key without echoing it', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: 'Plugboard Simulator' });
    const wrongKey = 'sk_test_thisKeyIsWrong1234';
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { secretKey: wrongKey } });
    try {
      const result = await plugin.checkConnection(bad);
      expect(result.ok).toBe(false);
      expect(result.detail).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
      expect(result.detail).not.toContain(wrongKey);
    } finally {
      await bad.close();
    }
  });

  it('creates and fetches a customer', async () => {
    const created = await plugin.actions.create_customer.run(ctx, { email: 'grace@example.com', name: 'Grace', metadata: { plan: 'pro' } });
    expect(plugin.actions.create_customer.output.parse(created)).toEqual(created);
    expect(created).toEqual(expect.objectContaining({ id: expect.stringMatching(/^cus_/), email: 'grace@example.com', metadata: { plan: 'pro' }, deleted: false }));
    await expect(plugin.actions.get_customer.run(ctx, { id: created.id })).resolves.toEqual(created);
    await expect(plugin.actions.get_customer.run(ctx, { id: 'cus_doesNotExist00' })).rejects.toMatchObject({
      status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'id' } },
    });
  });

  it('creates once per idempotency key, and refuses the key for other params', async () => {
    const first = await plugin.actions.create_customer.run(ctx, { email: 'once@example.com', idempotencyKey: 'key-1' });
    const again = await plugin.actions.create_customer.run(ctx, { email: 'once@example.com', idempotencyKey: 'key-1' });
    expect(again.id).toBe(first.id);
    const other = plugin.actions.create_customer.run(ctx, { email: 'other@example.com', idempotencyKey: 'key-1' });
    await expect(other).rejects.toBeInstanceOf(UpstreamError);
    await expect(other).rejects.toMatchObject({ status: 400, body: { error: { type: 'idempotency_error' } } });
  });

  it('survives injected 429s through the upstream client retries', async () => {
    // a fresh context: its own circuit breaker, untouched by the other tests
    const faulty = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
    const before = sim.calls.length;
    await control('faults', { rate429: 0.3, retryAfterSeconds: 0 });
    try {
      // rerun until a 429 actually happened, so the test cannot pass without exercising a retry
      for (let round = 0; round < 5 && !sim.calls.slice(before).some((c) => c.status === 429); round++) {
        const { records } = await fetchAllPages(sync('customers'), faulty);
        expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
        expect(records.length).toBeGreaterThanOrEqual(sim.seeded.customers);
      }
      const answered = sim.calls.slice(before);
      expect(answered.some((c) => c.status === 429)).toBe(true);
      expect(answered.find((c) => c.status === 429)?.response).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error', code: 'rate_limit' }) });
    } finally {
      await control('faults', {});
      await faulty.close();
    }
  });

  it('answers a missing or wrong key with 401 and accepts the key as a Basic user name', async () => {
    const none = await raw('/v1/customers');
    expect(none.status).toBe(401);
    expect(none.body.error).toEqual({ type: 'invalid_request_error', message: expect.stringContaining('You did not provide an API key') });
    const wrongKey = 'sk_test_wrongWrongWrong9876';
    const wrong = await raw('/v1/customers', `Bearer ${wrongKey}`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toEqual({ type: 'invalid_request_error', message: `Invalid API Key provided: sk_test_${'*'.repeat(wrongKey.length - 12)}9876` });
    const basic = await raw('/v1/customers?limit=1', `Basic ${Buffer.from(`${sim.credentials.secretKey}:`).toString('base64')}`);
    expect(basic.status).toBe(200);
  });

  it('validates parameters as Stripe does', async () => {
    const auth = `Bearer ${sim.credentials.secretKey}`;
    for (const limit of ['0', '101', 'ten']) {
      const res = await raw(`/v1/customers?limit=${limit}`, auth);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual(expect.objectContaining({ type: 'invalid_request_error', param: 'limit' }));
    }
    expect((await raw('/v1/customers', auth)).body.data).toHaveLength(10);
    const post = await fetch(`${sim.url}/v1/products`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'description=no+name' });
    expect(await post.json()).toEqual({ error: { type: 'invalid_request_error', message: 'Missing required param: name.', param: 'name' } });
    expect((await raw('/v1/customers?updated[gte]=1', auth)).body.error).toEqual(expect.objectContaining({ param: 'updated' }));
    const [, second, third] = (await raw('/v1/products?limit=3', auth)).body.data as { id: string }[];
    expect(((await raw(`/v1/products?limit=1&ending_before=${third.id}`, auth)).body.data as { id: string }[])[0].id).toBe(second.id);
  });

  it('seeds the same records on every start, and resets to them', async () => {
    const ids = async (s: StripeSimulator) => {
      const res = await fetch(`${s.url}/v1/customers?limit=100`, { headers: { authorization: `Bearer ${s.credentials.secretKey}` } });
      return ((await res.json()) as { data: { id: string }[] }).data.map((c) => c.id);
    };
    const a = await startSimulator({ seed: 5 });
    const b = await startSimulator({ seed: 5 });
    try {
      const seededIds = await ids(a);
      expect(seededIds).toHaveLength(5);
      expect(await ids(b)).toEqual(seededIds);
      const c = pluginTestContext({ plugin, baseUrl: a.url, credentials: a.credentials });
      await plugin.actions.create_customer.run(c, { name: 'Temporary' });
      await c.close();
      expect(await ids(a)).toHaveLength(6);
      await fetch(`${a.url}/__sim/reset`, { method: 'POST' });
      expect(await ids(a)).toEqual(seededIds);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('signs events the way Stripe does and parses them into entity refreshes', async () => {
    const received: { body: string; signature: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['stripe-signature']) });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await control('webhook', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` });
      const customer = await plugin.actions.get_customer.run(ctx, { id: (await sync('customers').fetchPage(ctx, { cursor: null, modifiedSince: null })).records[0].id });
      const { status } = await sim.emit('customer.updated', { id: customer.id, object: 'customer', email: customer.email });
      expect(status).toBe(200);
      // Stripe's own library is the reference for the signature scheme
      const event = Stripe.webhooks.constructEvent(received[0].body, received[0].signature, sim.credentials.webhookSecret);
      expect(event.type).toBe('customer.updated');
      expect(() => Stripe.webhooks.constructEvent(received[0].body, received[0].signature, 'whsec_wrong')).toThrow();

      const payload = JSON.parse(received[0].body);
      expect(plugin.webhooks!.routingKey!(payload, {})).toBeNull();
      expect(plugin.webhooks!.routingKey!({ ...payload, account: 'acct_123' }, {})).toBe('acct_123');
      expect(plugin.webhooks!.parse(payload, {})).toEqual([{
        id: payload.id, type: 'customer.updated', occurredAt: new Date(payload.created * 1000),
        entity: 'customers', externalIds: [customer.id], data: payload.data.object,
      }]);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
