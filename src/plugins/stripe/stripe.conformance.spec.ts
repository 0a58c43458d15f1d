import { join } from 'node:path';
import { UpstreamError, type UpstreamRequest } from '../../core/plugin-sdk';
import { fetchAllPages, pluginTestContext, type PluginTestContext } from '../../core/plugin-sdk/testing';
import { loadOpenApi, type OpenApiConformance } from '../../../test/support/openapi-conformance';
import plugin from './index';
import { startSimulator, type StripeSimulator } from './simulator/stripe.simulator';

// parsing the 4 MB spec and compiling its schemas takes a few seconds
jest.setTimeout(60_000);

/**
 * Holds the simulator and the plugin to Stripe's published OpenAPI document: every request the
 * plugin makes and every answer the simulator gives, errors included, must match spec3.
 */
describe('stripe conformance with spec3.yaml', () => {
  let spec: OpenApiConformance;
  let sim: StripeSimulator;
  let ctx: PluginTestContext;

  beforeAll(async () => {
    spec = loadOpenApi(join(__dirname, 'spec', 'spec3.yaml'));
    sim = await startSimulator({ seed: 120 });
    ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
  });

  afterAll(async () => {
    await ctx.close();
    await sim.close();
  });

  /** A call whose 4xx is the point: the error body is recorded and checked like any answer. */
  const attempt = async (c: PluginTestContext, req: UpstreamRequest): Promise<number> => {
    try {
      return (await c.http.request(req)).status;
    } catch (e) {
      if (e instanceof UpstreamError) return e.status;
      throw e;
    }
  };
  const faults = (body: unknown) => fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('every recorded request and response of the plugin and simulator matches the spec', async () => {
    const since = new Date();
    // what the plugin does
    for (const sync of Object.values(plugin.entities)) await fetchAllPages(sync, ctx);
    const created = await plugin.actions.create_customer.run(ctx, { email: 'conformance@example.com', name: 'Conformance', metadata: { source: 'test' } });
    await plugin.actions.get_customer.run(ctx, { id: created.id });
    for (const sync of Object.values(plugin.entities)) await fetchAllPages(sync, ctx, since);
    await plugin.checkConnection(ctx);

    // the rest of the simulator's surface, successes and Stripe's errors
    const form = (path: string, body: Record<string, unknown>) => ctx.http.request<{ id: string }>({ method: 'POST', path, form: body });
    await form(`/v1/customers/${created.id}`, { name: 'Renamed', metadata: { source: '' } });
    const product = (await form('/v1/products', { name: 'Widget', active: 'true', metadata: { sku: 'w-1' } })).body;
    await form(`/v1/products/${product.id}`, { description: 'A widget', active: false });
    await ctx.http.request({ method: 'DELETE', path: `/v1/products/${product.id}` });
    const invoice = (await form('/v1/invoices', { customer: created.id, description: 'Draft' })).body;
    await form(`/v1/invoices/${invoice.id}`, { metadata: { order: '42' } });
    await ctx.http.request({ method: 'DELETE', path: `/v1/invoices/${invoice.id}` });
    const [price] = (await ctx.http.get<{ data: { items: { data: { price: { id: string } }[] } }[] }>('/v1/subscriptions', { limit: 1 })).data[0].items.data;
    const sub = (await form('/v1/subscriptions', { customer: created.id, items: [{ price: price.price.id }] })).body;
    await form(`/v1/subscriptions/${sub.id}`, { cancel_at_period_end: true });
    await ctx.http.request({ method: 'DELETE', path: `/v1/subscriptions/${sub.id}` });
    await ctx.http.request({ method: 'DELETE', path: `/v1/customers/${created.id}` });
    const endpoint = (await form('/v1/webhook_endpoints', { url: 'https://hooks.example.com/stripe', enabled_events: ['*'], description: 'Plugboard' })).body;
    await ctx.http.get('/v1/webhook_endpoints');
    await ctx.http.request({ method: 'DELETE', path: `/v1/webhook_endpoints/${endpoint.id}` });
    await ctx.http.get(`/v1/customers/${created.id}`);
    await ctx.http.get('/v1/balance');
    const first = await ctx.http.get<{ data: { id: string }[] }>('/v1/invoices', { limit: 3, 'created[lte]': 1_900_000_000 });
    await ctx.http.get('/v1/invoices', { limit: 2, ending_before: first.data[2].id });

    expect(await attempt(ctx, { path: '/v1/customers/cus_missing000000' })).toBe(404);
    expect(await attempt(ctx, { path: '/v1/customers', query: { limit: 1000 } })).toBe(400);
    // a product with prices cannot be deleted: a well-formed request Stripe refuses
    const [seededProduct] = (await ctx.http.get<{ data: { id: string }[] }>('/v1/products', { limit: 1, 'created[lt]': Math.floor(since.getTime() / 1000) })).data;
    expect(await attempt(ctx, { method: 'DELETE', path: `/v1/products/${seededProduct.id}` })).toBe(400);
    expect(await attempt(ctx, { method: 'POST', path: '/v1/customers', form: { email: 'a@example.com' }, idempotencyKey: 'conf-1' })).toBe(200);
    expect(await attempt(ctx, { method: 'POST', path: '/v1/customers', form: { email: 'b@example.com' }, idempotencyKey: 'conf-1' })).toBe(400);
    const badKey = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { secretKey: 'sk_test_not_the_key_0000' } });
    const once = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials, policy: { maxAttempts: 1 } });
    try {
      await plugin.checkConnection(badKey);
      await faults({ rate429: 1 });
      expect(await attempt(once, { path: '/v1/balance' })).toBe(429);
      await faults({ rate500: 1 });
      expect(await attempt(once, { path: '/v1/balance' })).toBe(500);
    } finally {
      await faults({});
      await badKey.close();
      await once.close();
    }

    const statuses = new Set(sim.calls.map((c) => c.status));
    expect([...statuses].sort()).toEqual([200, 400, 401, 404, 429, 500]);
    const violations = sim.calls.flatMap((call) => spec.validateExchange(call));
    expect(violations).toEqual([]);
  });

  it('catches a malformed answer, so the check above can fail', () => {
    const call = sim.calls.find((c) => c.method === 'GET' && /^\/v1\/customers\/cus_/.test(c.path) && c.status === 200 && !(c.response as { deleted?: boolean }).deleted);
    expect(call).toBeDefined();
    const { object: _dropped, ...withoutObject } = call!.response as Record<string, unknown>;
    expect(spec.validateExchange({ ...call!, response: withoutObject }).join('\n')).toMatch(/object/);

    const list = sim.calls.find((c) => c.method === 'GET' && c.path === '/v1/invoices' && c.status === 200)!;
    const body = structuredClone(list.response) as { data: Record<string, unknown>[] };
    body.data[0].total = 'a lot';
    expect(spec.validateResponse({ ...list, response: body })).toEqual([expect.stringContaining('/data/0/total must be integer')]);
  });

  it('catches a malformed request: unknown parameters and missing credentials', () => {
    const list = sim.calls.find((c) => c.method === 'GET' && c.path === '/v1/customers' && c.status === 200)!;
    expect(spec.validateRequest({ ...list, query: { ...list.query, updated_since: '1' } }).join('\n')).toMatch(/updated_since/);
    expect(spec.validateRequest({ ...list, headers: {} }).join('\n')).toMatch(/no credentials/);
    const create = sim.calls.find((c) => c.method === 'POST' && c.path === '/v1/customers' && c.status === 200)!;
    expect(spec.validateRequest({ ...create, body: { ...create.body, email: { nested: 'x' } } })).not.toEqual([]);
  });
});
