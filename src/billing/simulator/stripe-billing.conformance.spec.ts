import { join } from 'node:path';
import type Stripe from 'stripe';
import { loadOpenApi, type OpenApiConformance } from '../../../test/support/openapi-conformance';
import { parseConfig } from '../../core/config';
import { StripeClientFactory } from '../stripe-client.factory';
import { startStripeBillingSimulator, type StripeBillingSimulator } from './stripe-billing.simulator';

// parsing the 4 MB spec and compiling its schemas takes a few seconds
jest.setTimeout(60_000);

/** Paths newer than the 2023-08-16 document (Stripe Billing meters came in 2024): checked by the behaviour tests, not here. */
const NOT_IN_SPEC = /^\/v1\/billing\/meter(s|_events)(\/|$)/;

/**
 * Holds the billing simulator and the SDK to Stripe's published OpenAPI document: every request the
 * SDK sends for billing, and every answer the simulator gives (errors included), must match spec3.
 * Events are checked as GET /v1/events/{id} would return them.
 */
describe('billing simulator conformance with spec3.yaml', () => {
  let spec: OpenApiConformance;
  let sim: StripeBillingSimulator;
  let stripe: Stripe;

  beforeAll(async () => {
    spec = loadOpenApi(join(__dirname, '../../plugins/stripe/spec/spec3.yaml'));
    sim = await startStripeBillingSimulator();
    stripe = new StripeClientFactory().create(parseConfig(sim.settings))!;
  });
  afterAll(() => sim.close());

  /** A call whose Stripe error is the point: its status. */
  const status = (p: Promise<unknown>) => p.then(() => 200, (e: { statusCode?: number }) => e.statusCode ?? 0);

  it('every request of the SDK and every answer of the simulator on the billing paths matches the spec', async () => {
    const product = await stripe.products.create({ id: 'plugboard_conformance', name: 'Plugboard Conformance', metadata: { plugboard_plan: 'starter' } });
    await stripe.products.update(product.id, { name: 'Renamed', active: true });
    await stripe.products.retrieve(product.id);
    const month = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 4900, recurring: { interval: 'month' }, lookup_key: 'conf_month', nickname: 'Conformance (monthly)' });
    const pro = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 14900, recurring: { interval: 'month' }, lookup_key: 'conf_pro' });
    await stripe.prices.list({ lookup_keys: ['conf_month', 'conf_pro'], active: true, limit: 2 });
    const moved = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 5900, recurring: { interval: 'month' }, lookup_key: 'conf_month', transfer_lookup_key: true });
    await stripe.prices.update(month.id, { active: false });
    await stripe.prices.retrieve(moved.id);
    await stripe.billing.meters.create({ display_name: 'Conformance', event_name: 'conf_records', default_aggregation: { formula: 'sum' }, customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' }, value_settings: { event_payload_key: 'value' } });
    await stripe.billing.meters.list({ status: 'active', limit: 100 });

    const customer = await stripe.customers.create({ name: 'Conformance Inc', email: 'billing@conformance.test', metadata: { tenant_id: 't-1' } }, { idempotencyKey: 'conf-customer' });
    await stripe.customers.create({ name: 'Conformance Inc', email: 'billing@conformance.test', metadata: { tenant_id: 't-1' } }, { idempotencyKey: 'conf-customer' });
    await stripe.customers.retrieve(customer.id);
    await stripe.billing.meterEvents.create({ event_name: 'conf_records', identifier: 'conf-1', payload: { stripe_customer_id: customer.id, value: '12' } });

    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, client_reference_id: 't-1', line_items: [{ price: moved.id, quantity: 1 }],
      subscription_data: { metadata: { tenant_id: 't-1' }, trial_period_days: 7 }, metadata: { plan: 'starter' },
      success_url: 'http://127.0.0.1/ok', cancel_url: 'http://127.0.0.1/cancel',
    });
    await stripe.checkout.sessions.retrieve(session.id);
    await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://127.0.0.1/back' });
    const sub = sim.completeCheckout(session.id);
    await stripe.subscriptions.retrieve(sub.id);
    await stripe.subscriptions.list({ customer: customer.id, limit: 3 });
    sim.advancePeriod(sub.id);
    const item = (await stripe.subscriptions.retrieve(sub.id)).items.data[0];
    await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: pro.id }], proration_behavior: 'always_invoice', cancel_at_period_end: false, metadata: { plugboard_paid_plan: '' } });
    await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: moved.id }], proration_behavior: 'none', metadata: { plugboard_paid_plan: 'professional', plugboard_paid_through: '1900000000' } });
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    sim.setCard(customer.id, 'declines');
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    sim.advancePeriod(sub.id);
    const [open] = (await stripe.invoices.list({ subscription: sub.id, status: 'open', limit: 1 })).data;
    expect(await status(stripe.invoices.pay(open.id!))).toBe(402);
    sim.setCard(customer.id, 'ok');
    await stripe.invoices.pay(open.id!);
    const page = await stripe.invoices.list({ customer: customer.id, limit: 2 });
    await stripe.invoices.list({ customer: customer.id, limit: 2, starting_after: page.data[1].id });
    await stripe.invoices.retrieve(open.id!);
    await stripe.subscriptions.cancel(sub.id);

    // Stripe's refusals, each with its error body
    expect(await status(stripe.customers.retrieve('cus_missing'))).toBe(404);
    expect(await status(stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1, lookup_key: 'conf_pro', recurring: { interval: 'month' } }))).toBe(400);
    expect(await status(stripe.subscriptions.update(sub.id, { cancel_at_period_end: true }))).toBe(400);
    expect(await status(stripe.customers.create({ name: 'Other' }, { idempotencyKey: 'conf-customer' }))).toBe(400);
    expect(await status(stripe.invoices.list({ limit: 1000 }))).toBe(400);
    const wrongKey = new StripeClientFactory().create(parseConfig({ ...sim.settings, STRIPE_SECRET_KEY: 'sk_test_not_the_key_00000' }))!;
    expect(await status(wrongKey.customers.retrieve(customer.id))).toBe(401);

    const checked = sim.calls.filter((c) => !NOT_IN_SPEC.test(c.path));
    expect(new Set(checked.map((c) => c.status))).toEqual(new Set([200, 400, 401, 402, 404]));
    expect(checked.flatMap((c) => spec.validateExchange(c))).toEqual([]);
    // the SDK's own headers are what the spec's security names
    expect(checked.every((c) => c.headers.authorization?.startsWith('Bearer '))).toBe(true);

    const types = new Set(sim.events.map((e) => e.type));
    expect(types).toEqual(new Set(['checkout.session.completed', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'invoice.paid', 'invoice.payment_failed']));
    expect(sim.events.flatMap((e) => spec.validateResponse({ method: 'GET', path: `/v1/events/${e.id}`, status: 200, response: e }))).toEqual([]);
  });

  it('catches a malformed answer and an unknown parameter, so the check above can fail', () => {
    const sub = sim.calls.find((c) => c.method === 'GET' && /^\/v1\/subscriptions\/sub_/.test(c.path) && c.status === 200)!;
    const { current_period_end: _dropped, ...broken } = sub.response as Record<string, unknown>;
    expect(spec.validateResponse({ ...sub, response: broken }).join('\n')).toMatch(/current_period_end/);
    const create = sim.calls.find((c) => c.method === 'POST' && c.path === '/v1/checkout/sessions')!;
    expect(spec.validateRequest({ ...create, body: `${create.body}&plugboard_extra=1` }).join('\n')).toMatch(/plugboard_extra/);
  });

  it('refuses what Stripe refuses: unknown parameters, a meter event without its meter, a reused identifier', async () => {
    const post = (path: string, body: string) => fetch(`${sim.url}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${sim.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { type: string; message: string; param?: string } } }));
    expect(await post('/v1/customers', 'nickname=x')).toEqual({ status: 400, body: { error: { type: 'invalid_request_error', message: 'Received unknown parameter: nickname', param: 'nickname' } } });
    const customer = (await stripe.customers.create({ name: 'Meter' })).id;
    expect((await post('/v1/billing/meter_events', `event_name=nope&payload[stripe_customer_id]=${customer}&payload[value]=1`)).body.error.param).toBe('event_name');
    expect((await post('/v1/billing/meter_events', `event_name=conf_records&identifier=conf-1&payload[stripe_customer_id]=${customer}&payload[value]=1`)).body.error.message).toMatch(/identifier .* already exists/);
    expect(sim.meterTotal(customer, 'conf_records')).toBe(0);
  });
});
