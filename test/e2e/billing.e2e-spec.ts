import { join } from 'node:path';
import Stripe from 'stripe';
import { BillingSweeper, Entitlements, PlanCatalog, PlanSync } from '../../src/billing';
import { startStripeBillingSimulator, type StripeBillingSimulator } from '../../src/billing/simulator/stripe-billing.simulator';
import type { StripeEvent } from '../../src/billing/simulator/stripe-billing.store';
import { BillingSyncPlansCommand } from '../../src/cli/commands/billing-sync-plans.command';
import { EventBus, type PlatformEvent } from '../../src/core/events';
import type { RunningSimulator } from '../../src/core/plugin-sdk';
import { RequestContext, type Principal } from '../../src/core/tenancy';
import { SyncEngine } from '../../src/integrations/sync';
import stripePlugin from '../../src/plugins/stripe';
import { loadOpenApi } from '../support/openapi-conformance';
import { createTestDatabase, createTestRedisPrefix, sql, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

const DAY = 86_400_000;

/** Polls until `done` holds (a listener reacting to an internal event), for at most ten seconds. */
async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await read();
    if (done(v) || i >= 200) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const system = (tenantId: string): Principal => ({ kind: 'system', tenantId, actorId: 'test', role: 'owner', scopes: ['read', 'write', 'admin'], plan: 'free', rateLimit: 0 });

/**
 * Plugboard's own billing, end to end: the API (two processes on one database and Redis), the
 * official SDK, and the Stripe billing simulator delivering signed webhooks to POST /webhooks/stripe-billing.
 */
describe('billing', () => {
  const savedBaseUrl = process.env.PLUGIN_STRIPE_BASE_URL;
  let sim: StripeBillingSimulator;
  let platform: RunningSimulator;
  let db: TestDatabase;
  const redis = createTestRedisPrefix('billing');
  /** the API that receives the webhooks; trials off */
  let a: TestApp;
  /** a second API process of the same deployment; trials of 14 days */
  let b: TestApp;
  const events: PlatformEvent[] = [];

  beforeAll(async () => {
    sim = await startStripeBillingSimulator();
    platform = await (await stripePlugin.simulator!()).startSimulator({ seed: 40 });
    process.env.PLUGIN_STRIPE_BASE_URL = platform.url;
    db = await createTestDatabase('billing');
    const env = { ...sim.settings, BILLING_GRACE_PERIOD_DAYS: '3' };
    a = await startTestApp({ db, redisPrefix: redis.prefix, env: { ...env, BILLING_TRIAL_DAYS: '0' } });
    b = await startTestApp({ db, redisPrefix: redis.prefix, env: { ...env, BILLING_TRIAL_DAYS: '14' } });
    sim.connect(`${a.url}/webhooks/stripe-billing`);
    a.app.get(EventBus).on('*', (e) => void (e.type.startsWith('billing.') && events.push(e)));
    await a.app.get(PlanSync).run();
    // two API processes boot here: slow on a loaded machine
  }, 120_000);
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
    await redis.purge();
    await sim.close();
    await platform.close();
    if (savedBaseUrl === undefined) delete process.env.PLUGIN_STRIPE_BASE_URL;
    else process.env.PLUGIN_STRIPE_BASE_URL = savedBaseUrl;
  });

  // ---- helpers over the API

  const apiKey = async (app: TestApp, s: TenantSession) =>
    (await app.http().post('/api/v1/api-keys').set(s.auth).send({ name: 'billing', scopes: ['read', 'write', 'admin'] }).expect(201)).body.key as string;
  const connect = (s: TenantSession, name: string) => a.http().post('/api/v1/connections').set(s.auth).send({ plugin: 'stripe', name, credentials: platform.credentials });
  const subscription = async (s: TenantSession) => (await a.http().get('/api/v1/billing/subscription').set(s.auth).expect(200)).body;
  const planOf = async (tenantId: string) => (await sql<{ plan: string }>(db, 'SELECT plan FROM tenants WHERE id = $1', [tenantId]))[0].plan;
  const account = async (tenantId: string) => (await sql<{ customer_id: string; subscription_id: string }>(db, 'SELECT customer_id, subscription_id FROM billing_accounts WHERE tenant_id = $1', [tenantId]))[0];
  const connections = async (s: TenantSession) => (await a.http().get('/api/v1/connections').set(s.auth).expect(200)).body.data as { id: string; name: string; status: string; statusReason: string | null }[];
  const rateLimit = async (app: TestApp, key: string) => (await app.http().get('/api/v1/me').set('X-API-Key', key).expect(200)).headers['x-ratelimit-limit'];
  const sweep = (at: Date) => a.app.get(BillingSweeper).run(at);
  const outcome = async (eventId: string) => (await sql<{ outcome: string }>(db, 'SELECT outcome FROM billing_events WHERE id = $1', [eventId]))[0]?.outcome;
  const eventsOf = (type: string, tenantId: string) => events.filter((e) => e.type === type && e.tenantId === tenantId);

  /** Checkout from `app`, paid in the simulator, its webhooks delivered. */
  async function subscribe(app: TestApp, s: TenantSession, plan: string, interval = 'month'): Promise<{ sessionId: string; subscriptionId: string }> {
    const checkout = await app.http().post('/api/v1/billing/checkout').set(s.auth).send({ plan, interval }).expect(201);
    expect(checkout.body.url).toBe(`${sim.url}/checkout/${checkout.body.id}`);
    const sub = sim.completeCheckout(checkout.body.id);
    await sim.settled();
    return { sessionId: checkout.body.id, subscriptionId: sub.id };
  }

  /** Posts an event as Stripe would, signed with `secret`; answers status and body. */
  async function post(event: unknown, secret = sim.webhookSecret): Promise<{ status: number; body: Record<string, unknown> }> {
    const payload = JSON.stringify(event);
    const res = await fetch(`${a.url}/webhooks/stripe-billing`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) }, body: payload,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  describe('plans at the payment provider', () => {
    it('sync-plans creates products, prices and meters once: a second run (the CLI command) changes nothing', async () => {
      expect([...sim.store.products.keys()].sort()).toEqual(['plugboard_enterprise', 'plugboard_professional', 'plugboard_starter']);
      const prices = [...sim.store.prices.values()].map((p) => `${p.lookup_key}=${p.unit_amount}`).sort();
      expect(prices).toEqual([
        'plugboard_enterprise_month=49900', 'plugboard_enterprise_year=499000', 'plugboard_professional_month=14900',
        'plugboard_professional_year=149000', 'plugboard_starter_month=4900', 'plugboard_starter_year=49000',
      ]);
      expect([...sim.store.meters.values()].map((m) => m.event_name).sort()).toEqual(['plugboard_synced_records', 'plugboard_workflow_runs']);

      const writesBefore = sim.calls.filter((c) => c.method === 'POST').length;
      const out: string[] = [];
      const capture = (chunk: unknown) => {
        out.push(String(chunk));
        return true;
      };
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
      const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
      try {
        await new BillingSyncPlansCommand(a.app.get(PlanSync)).run([], {});
      } finally {
        spy.mockRestore();
        err.mockRestore();
      }
      expect(out.join('')).toMatch(/plugboard_starter_month\s+unchanged/);
      expect(out.join('')).toContain('0 created, 0 updated, 11 unchanged');
      expect(sim.calls.filter((c) => c.method === 'POST').length).toBe(writesBefore);
      expect(sim.store.prices.size).toBe(6);
    });

    it('a changed price in the plan table replaces the price: the new one takes the lookup key, the old one is archived', async () => {
      await sql(db, `UPDATE billing_plans SET yearly_price_cents = 47000 WHERE id = 'starter'`);
      a.app.get(PlanCatalog).invalidate();
      try {
        const lines = await a.app.get(PlanSync).run();
        expect(lines.filter((l) => l.action !== 'unchanged').map((l) => `${l.key} ${l.action}`)).toEqual(['plugboard_starter_year updated']);
        const year = [...sim.store.prices.values()].filter((p) => p.product === 'plugboard_starter' && p.recurring.interval === 'year');
        expect(year.map((p) => [p.unit_amount, p.active, p.lookup_key]).sort()).toEqual([[47000, true, 'plugboard_starter_year'], [49000, false, null]]);
      } finally {
        await sql(db, `UPDATE billing_plans SET yearly_price_cents = 49000 WHERE id = 'starter'`);
        a.app.get(PlanCatalog).invalidate();
        await a.app.get(PlanSync).run();
      }
    });
  });

  describe('the life of a tenant', () => {
    let s: TenantSession;
    let key: string;
    let subId: string;
    let customerId: string;
    const members = [`member-a-${Date.now()}@example.test`, `member-b-${Date.now()}@example.test`];
    const logIn = (email: string) => a.http().post('/api/v1/auth/login').send({ email, password: 'member password 1' });
    const usable = async () => (await connections(s)).filter((c) => c.status !== 'disabled').length;

    beforeAll(async () => {
      s = await a.signup('life');
      key = await apiKey(a, s);
    });

    it('starts on Free: the plans list marks it, and Free allows two connections and one user, with a clear 402', async () => {
      const plans = (await a.http().get('/api/v1/billing/plans').set(s.auth).expect(200)).body.data;
      expect(plans.map((p: { id: string; current: boolean }) => `${p.id}${p.current ? '*' : ''}`)).toEqual(['free*', 'starter', 'professional', 'enterprise']);
      expect(plans[1]).toMatchObject({ prices: { month: 4900, year: 49000, currency: 'usd' }, limits: { apiRequestsPerMinute: 300, connections: 5, activeWorkflows: 5, users: 5, syncedRecordsPerPeriod: 100000 } });
      expect(plans[3]).toMatchObject({ limits: { connections: null, users: null }, features: { customPlugins: true, whiteLabel: true } });
      expect(await subscription(s)).toEqual({ plan: 'free', subscription: null });
      expect(await rateLimit(a, key)).toBe('60');

      await connect(s, 'one').expect(201);
      await connect(s, 'two').expect(201);
      const third = await connect(s, 'three').expect(402);
      expect(third.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(third.body).toMatchObject({ status: 402, limit: 'connections', plan: 'free', allowed: 2, used: 2 });
      expect(third.body.detail).toMatch(/^the Free plan allows 2 connections and this tenant has 2\. Starter \(5\), Professional \(unlimited\), Enterprise \(unlimited\) allow more\. Upgrade with POST \/api\/v1\/billing\/checkout/);
      expect((await connections(s)).map((c) => c.name)).toEqual(['one', 'two']);

      const member = await a.http().post('/api/v1/users').set(s.auth).send({ email: `member-${Date.now()}@example.test`, password: 'member password 1', role: 'member' }).expect(402);
      expect(member.body).toMatchObject({ limit: 'users', plan: 'free', allowed: 1, used: 1 });
      expect((await a.http().get('/api/v1/users').set(s.auth).expect(200)).body.data).toHaveLength(1);
    });

    it('checks out to Starter: the webhook puts it on the plan, with Starter\'s rate limit and connection limit', async () => {
      ({ subscriptionId: subId } = await subscribe(a, s, 'starter'));
      customerId = (await account(s.tenantId)).customer_id;
      expect(sim.store.customers.get(customerId)!.metadata).toEqual({ tenant_id: s.tenantId, tenant_slug: expect.any(String) });
      const view = await subscription(s);
      expect(view).toMatchObject({ plan: 'starter', subscription: { id: subId, status: 'active', plan: 'starter', interval: 'month', cancelAtPeriodEnd: false, scheduledChange: null } });
      expect(eventsOf('billing.plan_changed', s.tenantId).map((e) => e.data)).toEqual([expect.objectContaining({ from: 'free', to: 'starter', direction: 'upgrade' })]);
      expect(await rateLimit(a, key)).toBe('300');
      expect(await rateLimit(b, key)).toBe('300');

      for (const name of ['three', 'four', 'five']) await connect(s, name).expect(201);
      expect((await connect(s, 'six').expect(402)).body).toMatchObject({ limit: 'connections', plan: 'starter', allowed: 5, used: 5 });
      // a second checkout while subscribed is refused: plan changes go through the subscription
      expect((await a.http().post('/api/v1/billing/checkout').set(s.auth).send({ plan: 'professional' }).expect(409)).body.detail).toMatch(/POST \/api\/v1\/billing\/subscription/);
    });

    it('upgrades to Professional at once, invoiced prorated', async () => {
      const up = (await a.http().post('/api/v1/billing/subscription').set(s.auth).send({ plan: 'professional' }).expect(200)).body;
      expect(up).toMatchObject({ change: 'upgraded', plan: 'professional', subscription: { plan: 'professional', status: 'active' } });
      await sim.settled();
      const invoices = (await a.http().get('/api/v1/billing/invoices').set(s.auth).expect(200)).body.data;
      expect(invoices).toHaveLength(2);
      // the difference for the rest of the month: a little under 149 - 49 dollars
      expect(invoices[0].amountDue).toBeGreaterThan(9_000);
      expect(invoices[0].amountDue).toBeLessThanOrEqual(10_000);
      expect(invoices[0]).toMatchObject({ status: 'paid', currency: 'usd', amountPaid: invoices[0].amountDue });
      expect(invoices[1]).toMatchObject({ amountDue: 4900, status: 'paid' });
      await connect(s, 'six').expect(201);
      for (const email of members) await a.http().post('/api/v1/users').set(s.auth).send({ email, password: 'member password 1', role: 'member' }).expect(201);
      expect(await planOf(s.tenantId)).toBe('professional');
    });

    it('a duplicate delivery changes nothing', async () => {
      const created = sim.events.find((e) => e.type === 'customer.subscription.created' && e.data.object.id === subId)!;
      const before = await outcome(created.id);
      expect((await post(created)).body).toEqual({ received: true, id: created.id, outcome: 'duplicate' });
      expect(await outcome(created.id)).toBe(before);
      expect(await subscription(s)).toMatchObject({ plan: 'professional', subscription: { plan: 'professional' } });
    });

    it('payment fails: past due, the plan kept through the grace period, then Free with what exceeds it paused, not deleted', async () => {
      // a member signed in before the pause, whose access token is still within its lifetime afterwards
      const earlier = { Authorization: `Bearer ${(await logIn(members[0]).expect(200)).body.accessToken}` };
      await a.http().get('/api/v1/connections').set(earlier).expect(200);
      sim.setCard(customerId, 'declines');
      sim.advancePeriod(subId);
      await sim.settled();
      const due = (await subscription(s)).subscription;
      expect(due).toMatchObject({ status: 'past_due', plan: 'professional' });
      expect(new Date(due.graceEndsAt).getTime() - new Date(due.pastDueSince).getTime()).toBe(3 * DAY);
      const [failed] = eventsOf('billing.payment_failed', s.tenantId);
      expect(failed.data).toMatchObject({ subscriptionId: subId, amountDue: 14900, attemptCount: 1, subscriptionStatus: 'past_due' });

      const pastDueSince = new Date(due.pastDueSince).getTime();
      await sweep(new Date(pastDueSince + 2 * DAY));
      expect(await planOf(s.tenantId)).toBe('professional');
      await sweep(new Date(pastDueSince + 3 * DAY + 60_000));
      expect(await planOf(s.tenantId)).toBe('free');
      expect(eventsOf('billing.plan_changed', s.tenantId).at(-1)!.data).toMatchObject({ from: 'professional', to: 'free', direction: 'downgrade', cause: 'payment_overdue' });
      expect(await rateLimit(a, key)).toBe('60');

      const all = await connections(s);
      expect(all.map((c) => `${c.name}:${c.status}`)).toEqual(['one:healthy', 'two:healthy', 'three:disabled', 'four:disabled', 'five:disabled', 'six:disabled']);
      expect(all[5].statusReason).toMatch(/^paused by the plan limit: the tenant is now on the Free plan/);
      await connect(s, 'seven').expect(402);
      // Free has room for one user: the owner keeps working, the members are paused (kept, sessions ended)
      const users = (await a.http().get('/api/v1/users').set(s.auth).expect(200)).body.data as { email: string; role: string; pausedReason: string | null }[];
      expect(users.map((u) => `${u.role}:${u.pausedReason ? 'paused' : 'active'}`).sort()).toEqual(['member:paused', 'member:paused', 'owner:active']);
      expect(users.find((u) => u.role === 'member')!.pausedReason).toMatch(/^paused by the plan limit: the tenant is now on the Free plan/);
      const refused = await logIn(members[0]).expect(403);
      expect(refused.body.detail).toMatch(/^this user is paused \(paused by the plan limit: .*\); the tenant's owner can upgrade the plan/);
      expect((await a.http().get('/api/v1/connections').set(earlier).expect(403)).body.detail).toMatch(/^this user is paused \(paused by the plan limit/);
      // a check of a paused connection passes but does not bring it back; syncs are refused
      expect((await a.http().post(`/api/v1/connections/${all[5].id}/test`).set(s.auth).expect(200)).body.ok).toBe(true);
      expect((await a.http().get(`/api/v1/connections/${all[5].id}`).set(s.auth).expect(200)).body.status).toBe('disabled');
      expect((await a.http().post(`/api/v1/connections/${all[5].id}/syncs`).set(s.auth).send({ entity: 'customers', mode: 'full' }).expect(409)).body.detail).toMatch(/paused by the plan limit/);
      // a second sweep finds nothing more to do
      await sweep(new Date(pastDueSince + 4 * DAY));
      expect(eventsOf('billing.plan_changed', s.tenantId)).toHaveLength(3);
    });

    it('reactivates once the card works: the overdue invoice is paid, the plan and the paused work come back', async () => {
      sim.setCard(customerId, 'ok');
      const view = (await a.http().post('/api/v1/billing/subscription/reactivate').set(s.auth).expect(200)).body;
      expect(view).toMatchObject({ plan: 'professional', subscription: { status: 'active', pastDueSince: null, graceEndsAt: null } });
      expect((await connections(s)).map((c) => c.status)).toEqual(Array(6).fill('healthy'));
      for (const email of members) await logIn(email).expect(200);
      expect(eventsOf('billing.plan_changed', s.tenantId).at(-1)!.data).toMatchObject({ from: 'free', to: 'professional', direction: 'upgrade' });
      await sim.settled();
      expect(await planOf(s.tenantId)).toBe('professional');
    });

    it('downgrades to Starter when the paid period ends, not before', async () => {
      const down = (await a.http().post('/api/v1/billing/subscription').set(s.auth).send({ plan: 'starter' }).expect(200)).body;
      expect(down).toMatchObject({ change: 'downgrade_scheduled', plan: 'professional', subscription: { plan: 'professional', scheduledChange: { plan: 'starter' } } });
      await sim.settled();
      expect(await planOf(s.tenantId)).toBe('professional');
      expect(await usable()).toBe(6);

      sim.advancePeriod(subId);
      await sim.settled();
      expect(await subscription(s)).toMatchObject({ plan: 'starter', subscription: { plan: 'starter', scheduledChange: null, status: 'active' } });
      expect(await usable()).toBe(5);
      const [renewal] = (await a.http().get('/api/v1/billing/invoices?limit=1').set(s.auth).expect(200)).body.data;
      expect(renewal).toMatchObject({ amountDue: 4900, status: 'paid' });
    });

    it('cancels at the period end (reactivation undoes that), then the subscription ends and the tenant is on Free', async () => {
      expect((await a.http().delete('/api/v1/billing/subscription').set(s.auth).expect(200)).body).toMatchObject({ plan: 'starter', subscription: { cancelAtPeriodEnd: true } });
      expect((await a.http().post('/api/v1/billing/subscription/reactivate').set(s.auth).expect(200)).body.subscription.cancelAtPeriodEnd).toBe(false);
      await a.http().delete('/api/v1/billing/subscription').set(s.auth).expect(200);
      await sim.settled();
      expect(await planOf(s.tenantId)).toBe('starter');
      sim.advancePeriod(subId);
      await sim.settled();
      expect(await subscription(s)).toMatchObject({ plan: 'free', subscription: { status: 'canceled' } });
      expect(await usable()).toBe(2);
      expect(eventsOf('billing.plan_changed', s.tenantId).at(-1)!.data).toMatchObject({ to: 'free', cause: 'subscription_canceled' });
      // nothing to change or reactivate any more; a new checkout is the way back
      await a.http().post('/api/v1/billing/subscription').set(s.auth).send({ plan: 'professional' }).expect(409);
      expect((await a.http().post('/api/v1/billing/subscription/reactivate').set(s.auth).expect(409)).body.detail).toMatch(/checkout/);
      expect((await a.http().post('/api/v1/billing/checkout').set(s.auth).send({ plan: 'free' }).expect(422)).body.errors).toEqual([{ field: 'plan', message: 'must be a paid plan' }]);
    });
  });

  describe('webhooks', () => {
    let s: TenantSession;
    let subId: string;

    beforeAll(async () => {
      s = await a.signup('hooks');
      ({ subscriptionId: subId } = await subscribe(a, s, 'starter'));
    });

    it('refuses a forged or unsigned delivery (400) and changes nothing', async () => {
      const current = sim.store.subscription(subId);
      const forged = { id: 'evt_forged_1', object: 'event', type: 'customer.subscription.deleted', created: Math.floor(Date.now() / 1000) + 60, data: { object: { ...current, status: 'canceled' } } };
      const count = async () => (await sql<{ n: string }>(db, 'SELECT count(*) AS n FROM billing_events'))[0].n;
      const before = await count();
      const wrongSecret = await post(forged, 'whsec_not_the_secret');
      expect(wrongSecret.status).toBe(400);
      expect(wrongSecret.body.detail).toMatch(/billing webhook refused: No signatures found matching the expected signature/);
      const unsigned = await fetch(`${a.url}/webhooks/stripe-billing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged) });
      expect(unsigned.status).toBe(400);
      // a genuine signature over another body
      const genuine = Stripe.webhooks.generateTestHeaderString({ payload: '{}', secret: sim.webhookSecret });
      const tampered = await fetch(`${a.url}/webhooks/stripe-billing`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': genuine }, body: JSON.stringify(forged) });
      expect(tampered.status).toBe(400);
      expect(await count()).toBe(before);
      expect(await subscription(s)).toMatchObject({ plan: 'starter', subscription: { status: 'active' } });
    });

    it('out of order: deliveries in reverse and again change nothing; a stale event makes us fetch, a newer one is applied as sent', async () => {
      sim.hold();
      await a.http().post('/api/v1/billing/subscription').set(s.auth).send({ plan: 'professional' }).expect(200);
      await a.http().delete('/api/v1/billing/subscription').set(s.auth).expect(200);
      const held = sim.release();
      expect(held.map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.paid', 'customer.subscription.updated']);
      const expected = { plan: 'professional', subscription: { plan: 'professional', cancelAtPeriodEnd: true, status: 'active' } };
      expect(await subscription(s)).toMatchObject(expected);
      for (const e of [...held].reverse()) expect((await post(e)).status).toBe(200);
      expect(await subscription(s)).toMatchObject(expected);
      for (const e of held) expect((await post(e)).body.outcome).toBe('duplicate');

      // the state at creation (Starter, not cancelled), as a late event with its old time
      const created = sim.events.find((e) => e.type === 'customer.subscription.created' && e.data.object.id === subId)!;
      const stale: StripeEvent = { ...created, id: 'evt_stale_replay_1', type: 'customer.subscription.updated' };
      expect((await post(stale)).body.outcome).toBe('refetched');
      expect(await subscription(s)).toMatchObject(expected);

      // an event newer than anything seen is taken as sent (here: the cancellation undone)
      const now = structuredClone(sim.store.subscription(subId));
      const newer = { ...stale, id: 'evt_newer_1', created: Math.floor(Date.now() / 1000) + 30, data: { object: { ...now, cancel_at_period_end: false } } };
      expect((await post(newer)).body.outcome).toBe('applied');
      expect((await subscription(s)).subscription.cancelAtPeriodEnd).toBe(false);
      // and then the held cancellation, older than that: fetched, so Stripe's own state (cancelled) wins
      expect((await post({ ...held[2], id: 'evt_cancel_again_1' })).body.outcome).toBe('refetched');
      expect((await subscription(s)).subscription.cancelAtPeriodEnd).toBe(true);
      expect(await planOf(s.tenantId)).toBe('professional');
    });

    it('takes an event about a customer that is not ours without changing anything', async () => {
      const foreign = { id: 'evt_foreign_1', object: 'event', type: 'invoice.paid', created: Math.floor(Date.now() / 1000), data: { object: { id: 'in_x', object: 'invoice', customer: 'cus_not_ours' } } };
      expect((await post(foreign)).body).toEqual({ received: true, id: 'evt_foreign_1', outcome: 'ignored' });
    });
  });

  it('a trial: the plan from the start, the trial-ending notice, then the first charge', async () => {
    const s = await b.signup('trial');
    const { sessionId, subscriptionId } = await subscribe(b, s, 'starter');
    expect(sim.store.sessions.get(sessionId)!._trialDays).toBe(14);
    const view = await subscription(s);
    expect(view).toMatchObject({ plan: 'starter', subscription: { status: 'trialing' } });
    expect(new Date(view.subscription.trialEnd).getTime()).toBeGreaterThan(Date.now() + 13 * DAY);
    const notice = sim.trialWillEnd(subscriptionId);
    await sim.settled();
    // newer than the state held (a second later) it is applied as sent, otherwise the subscription is fetched
    expect(['applied', 'refetched']).toContain(await outcome(notice.id));
    expect(eventsOf('billing.trial_will_end', s.tenantId)).toHaveLength(1);
    sim.advancePeriod(subscriptionId);
    await sim.settled();
    expect(await subscription(s)).toMatchObject({ plan: 'starter', subscription: { status: 'active', trialEnd: view.subscription.trialEnd } });
    const invoices = (await b.http().get('/api/v1/billing/invoices').set(s.auth).expect(200)).body.data;
    expect(invoices.map((i: { amountDue: number }) => i.amountDue)).toEqual([4900, 0]);
  });

  it('a Starter tenant gets 300 calls a minute across two API processes, and a 429 with Retry-After on the 301st', async () => {
    const s = await a.signup('rate');
    await subscribe(a, s, 'starter');
    const key = await apiKey(a, s);
    const first = await b.http().get('/api/v1/me').set('X-API-Key', key).expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('300');
    // the calls this tenant already made in this minute (checkout, the key) count too
    const spent = 300 - Number(first.headers['x-ratelimit-remaining']);
    let ok = spent;
    let refused: { status: number; headers: Record<string, string>; body: { status: number } } | null = null;
    for (let i = 0; !refused && i < 400; i++) {
      const res = await (i % 2 ? a : b).http().get('/api/v1/plugins').set('X-API-Key', key);
      if (res.status === 200) ok++;
      else refused = res as never;
    }
    expect(ok).toBe(300);
    expect(refused!.status).toBe(429);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused!.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('synced records are metered: over the plan syncs pause (not fail), an upgrade resumes them; usage reaches Stripe once, even after a lost acknowledgement', async () => {
    const s = await a.signup('metered');
    const context = a.app.get(RequestContext);
    const asTenant = <T>(fn: () => Promise<T>) => context.runAsTenant(system(s.tenantId), fn);
    const conn = (await connect(s, 'records').expect(201)).body.id;
    const run = async () => {
      const id = (await a.http().post(`/api/v1/connections/${conn}/syncs`).set(s.auth).send({ entity: 'customers', mode: 'full' }).expect(202)).body.id;
      return (await asTenant(() => a.app.get(SyncEngine).execute(id)))!;
    };
    await sql(db, `UPDATE billing_plans SET included_synced_records = 25 WHERE id = 'free'`);
    a.app.get(PlanCatalog).invalidate();
    try {
      // a run may pass the limit by one batch; the next one pauses at its start
      expect(await run()).toMatchObject({ status: 'succeeded', added: 40 });
      expect((await a.http().get('/api/v1/billing/usage').set(s.auth).expect(200)).body).toMatchObject({
        plan: 'free', limits: { synced_records: { used: 40, limit: 25, remaining: 0 }, connections: { used: 1, limit: 2, remaining: 1 }, users: { used: 1, limit: 1 } },
        metered: { synced_records: 40, workflow_runs: 0 }, features: { custom_plugins: false, white_label: false },
      });
      const paused = await run();
      expect(paused).toMatchObject({ status: 'paused', finishedAt: null });
      expect(paused.error).toMatch(/^paused, not failed: the Free plan allows 25 synced records per billing period and this tenant has used 40/);

      // the upgrade re-queues the paused run; here (no worker in this process) it is run in-process
      await subscribe(a, s, 'starter');
      // the sync area hears billing.plan_changed and re-queues the run
      expect(await waitFor(async () => (await a.http().get(`/api/v1/sync-runs/${paused.id}`).set(s.auth).expect(200)).body.status, (v) => v === 'queued')).toBe('queued');
      expect(await asTenant(() => a.app.get(SyncEngine).execute(paused.id))).toMatchObject({ status: 'succeeded', unchanged: 40 });
    } finally {
      await sql(db, `UPDATE billing_plans SET included_synced_records = 10000 WHERE id = 'free'`);
      a.app.get(PlanCatalog).invalidate();
    }

    const customer = (await account(s.tenantId)).customer_id;
    const total = () => sim.meterTotal(customer, 'plugboard_synced_records');
    await sweep(new Date());
    expect(total()).toBe(40);
    // a crash after Stripe took the batches and before we noted it: sent again, counted once
    await sql(db, 'UPDATE billing_usage_reports SET sent_at = NULL WHERE tenant_id = $1', [s.tenantId]);
    await sweep(new Date());
    expect(total()).toBe(40);
    // answers lost on the way back (the SDK retries): still counted once
    await asTenant(() => a.app.get(Entitlements).recordUsage('synced_records', 7));
    sim.loseMeterEventAnswers(1);
    await sweep(new Date());
    expect(total()).toBe(47);
    expect(await sql(db, 'SELECT 1 FROM billing_usage_reports WHERE tenant_id = $1 AND sent_at IS NULL', [s.tenantId])).toHaveLength(0);
  });

  it('keeps tenants apart: another tenant sees none of it and is not touched by its webhooks', async () => {
    const s = await a.signup('isolated');
    expect(await subscription(s)).toEqual({ plan: 'free', subscription: null });
    expect((await a.http().get('/api/v1/billing/invoices').set(s.auth).expect(200)).body).toEqual({ data: [], nextCursor: null });
    expect((await a.http().get('/api/v1/billing/usage').set(s.auth).expect(200)).body.metered).toEqual({ synced_records: 0, workflow_runs: 0 });
    const portal = (await a.http().post('/api/v1/billing/portal').set(s.auth).send({}).expect(201)).body.url as string;
    const own = (await account(s.tenantId)).customer_id;
    expect(portal).toContain(`customer=${own}`);
    expect(await sql(db, 'SELECT 1 FROM billing_events WHERE tenant_id = $1', [s.tenantId])).toHaveLength(0);
    expect(await planOf(s.tenantId)).toBe('free');
  });

  it('every request the SDK sent for these tests conforms to Stripe\'s published OpenAPI document', async () => {
    const spec = loadOpenApi(join(__dirname, '../../src/plugins/stripe/spec/spec3.yaml'));
    const checked = sim.calls.filter((c) => !/^\/v1\/billing\/meter/.test(c.path));
    expect(checked.length).toBeGreaterThan(50);
    expect(checked.flatMap((c) => spec.validateExchange(c))).toEqual([]);
  }, 60_000);
});

describe('billing without a payment provider', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ label: 'nobilling' });
  }, 120_000);
  afterAll(() => t.close());

  it('answers 503 naming the missing setting, while plans, usage and limits work from the stored plan', async () => {
    const s = await t.signup('nokey');
    // an operator's plan, before any call caches the tenant
    await sql(t.db, `UPDATE tenants SET plan = 'professional' WHERE id = $1`, [s.tenantId]);
    for (const [method, path] of [['post', '/api/v1/billing/checkout'], ['post', '/api/v1/billing/portal'], ['get', '/api/v1/billing/subscription'], ['post', '/api/v1/billing/subscription'],
      ['delete', '/api/v1/billing/subscription'], ['post', '/api/v1/billing/subscription/reactivate'], ['get', '/api/v1/billing/invoices']] as const) {
      const res = await t.http()[method](path).set(s.auth).send(method === 'post' && path.endsWith('subscription') ? { plan: 'starter' } : method === 'post' && path.endsWith('checkout') ? { plan: 'starter' } : {});
      expect({ path, status: res.status }).toEqual({ path, status: 503 });
      expect(res.body.detail).toBe('billing is not configured on this server (STRIPE_SECRET_KEY is not set): every tenant stays on the plan stored for it');
    }
    const hook = await fetch(`${t.url}/webhooks/stripe-billing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(hook.status).toBe(503);
    expect((await t.http().get('/api/v1/billing/plans').set(s.auth).expect(200)).body.data).toHaveLength(4);

    const key = (await t.http().post('/api/v1/api-keys').set(s.auth).send({ name: 'k', scopes: ['read'] }).expect(201)).body.key;
    expect((await t.http().get('/api/v1/me').set('X-API-Key', key).expect(200)).headers['x-ratelimit-limit']).toBe('1000');
    expect((await t.http().get('/api/v1/billing/usage').set(s.auth).expect(200)).body).toMatchObject({ plan: 'professional', limits: { users: { limit: 20 } } });
    // the sweep leaves a tenant billing never managed on its stored plan
    await t.app.get(BillingSweeper).run(new Date(Date.now() + 365 * DAY));
    expect((await sql<{ plan: string }>(t.db, 'SELECT plan FROM tenants WHERE id = $1', [s.tenantId]))[0].plan).toBe('professional');
  });
});
