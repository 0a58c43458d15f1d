import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'qs';
import Stripe from 'stripe';
import { BillingStore, invalid, newId, nowSeconds, StripeError, type Card, type Form, type Obj, type StripeEvent } from './stripe-billing.store';

const API_VERSION = '2023-08-16';

/** One API call as answered, for conformance checks: raw query and body, as the SDK sent them. */
export interface RecordedExchange {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  response: unknown;
}

export interface StripeBillingSimulatorOptions {
  port?: number;
  secretKey?: string;
  webhookSecret?: string;
  /** where events are posted (Plugboard's POST /webhooks/stripe-billing); settable later with connect() */
  webhookUrl?: string;
}

export interface StripeBillingSimulator {
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** the settings that point Plugboard's billing at this simulator */
  settings: { STRIPE_SECRET_KEY: string; STRIPE_WEBHOOK_SECRET: string; STRIPE_API_BASE_URL: string };
  store: BillingStore;
  readonly calls: readonly RecordedExchange[];
  /** every event, in the order it happened */
  readonly events: readonly StripeEvent[];
  /** each delivery attempt: event id and the answer's status (null: nowhere to send it) */
  readonly deliveries: readonly { event: string; type: string; status: number | null }[];
  connect(webhookUrl: string): void;
  /** the customer pays at checkout (what the checkout page's button does) */
  completeCheckout(sessionId: string): Obj;
  setCard(customerId: string, card: Card): void;
  /** the subscription's period ends: renewal (charged), trial end, or cancellation at period end */
  advancePeriod(subscriptionId: string): Obj;
  /** Stripe's three-days-before notice */
  trialWillEnd(subscriptionId: string): StripeEvent;
  /** keep events instead of delivering them, to deliver later in any order */
  hold(): void;
  /** the held events, in the order they happened; delivery resumes */
  release(): StripeEvent[];
  /** posts one event (again, for a duplicate), signed; resolves to the answer's status */
  deliver(event: StripeEvent): Promise<number>;
  /** resolves when every event so far has been delivered */
  settled(): Promise<void>;
  /** the next n meter event requests are carried out but their answers lost (500), as in a crash or a cut connection */
  loseMeterEventAnswers(n: number): void;
  /** the sum of a customer's meter events for an event name */
  meterTotal(customerId: string, eventName: string): number;
  close(): Promise<void>;
}

type Route = { params: Record<string, string>; query: Form; form: Form };
type Handler = (r: Route) => Obj | { list: Obj[]; url: string; query: Form };

/** Drops the simulator's own bookkeeping (fields starting with _) from what is sent. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (k, v) => (k.startsWith('_') ? undefined : v)));

/**
 * A stateful Stripe Billing on loopback for tests and the demo: the paths the SDK calls for
 * products, prices (found by lookup key), meters and meter events, customers, Checkout and portal
 * sessions, subscriptions (prorated changes, cancellation) and invoices. It takes form-encoded
 * bodies, honours idempotency keys, refuses unknown parameters, answers with Stripe's error bodies,
 * and posts every change as an event signed with the SDK's own test header helper.
 */
export async function startStripeBillingSimulator(opts: StripeBillingSimulatorOptions = {}): Promise<StripeBillingSimulator> {
  const secretKey = opts.secretKey ?? 'sk_test_plugboard_billing_simulator';
  const webhookSecret = opts.webhookSecret ?? 'whsec_plugboard_billing_simulator';
  let webhookUrl = opts.webhookUrl;
  let baseUrl = '';
  const calls: RecordedExchange[] = [];
  const events: StripeEvent[] = [];
  const deliveries: { event: string; type: string; status: number | null }[] = [];
  const replays = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  let held: StripeEvent[] | null = null;
  let queue: Promise<void> = Promise.resolve();
  let pending = 0;
  let lostAnswers = 0;

  const deliver = async (event: StripeEvent): Promise<number> => {
    if (!webhookUrl) {
      deliveries.push({ event: event.id, type: event.type, status: null });
      return 0;
    }
    const payload = JSON.stringify(event, null, 2);
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }),
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: payload,
    });
    await res.arrayBuffer();
    deliveries.push({ event: event.id, type: event.type, status: res.status });
    return res.status;
  };

  /** Deliveries go one after another, after the answer to the call that caused them, as Stripe's arrive. */
  const schedule = (event: StripeEvent): void => {
    pending++;
    queue = queue
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => deliver(event))
      .then(() => undefined, () => undefined)
      .finally(() => {
        pending--;
      });
  };

  const emit = (type: string, object: Obj, previous?: Record<string, unknown>): void => {
    const event = wire({
      id: newId('evt'), object: 'event', api_version: API_VERSION, created: nowSeconds(), livemode: false, pending_webhooks: 1,
      request: { id: null, idempotency_key: null }, type, data: { object, ...(previous ? { previous_attributes: previous } : {}) },
    }) as StripeEvent;
    events.push(event);
    if (held) held.push(event);
    else schedule(event);
  };

  const store = new BillingStore(() => baseUrl, emit);
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const parse = (raw: string): Form => parseQuery(raw, { depth: 20, arrayLimit: 1000 }) as Form;

  const authenticate = (req: FastifyRequest): StripeError | null => {
    const header = req.headers.authorization ?? '';
    const key = /^bearer /i.test(header) ? header.slice(7).trim() : '';
    if (key === secretKey) return null;
    return new StripeError(401, key
      ? `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
      : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
  };

  const paginate = (all: Obj[], url: string, query: Form): Obj => {
    const limit = query.limit === undefined ? 10 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('Invalid integer: limit must be between 1 and 100', 'limit');
    // newest first; within one second, the later made first
    const sorted = [...all].reverse().sort((a, b) => b.created - a.created);
    const cursor = query.starting_after ?? query.ending_before;
    const at = cursor === undefined ? -1 : sorted.findIndex((o) => o.id === cursor);
    if (cursor !== undefined && at < 0) throw invalid(`No such object: '${cursor}'`, query.starting_after ? 'starting_after' : 'ending_before');
    const window = query.ending_before !== undefined ? sorted.slice(0, at) : sorted.slice(at + 1);
    const data = query.ending_before !== undefined ? window.slice(-limit) : window.slice(0, limit);
    return { object: 'list', data, has_more: window.length > limit, url } as unknown as Obj;
  };

  /** An API route: auth, unknown parameters refused, idempotency keys honoured, the exchange recorded. */
  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, known: readonly string[], handler: Handler) => {
    app.route({
      method, url,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const [path, rawQuery = ''] = req.url.split('?');
        const rawBody = typeof req.body === 'string' ? req.body : '';
        const key = method === 'POST' ? req.headers['idempotency-key'] : undefined;
        let status = 200;
        let body: unknown;
        const replay = typeof key === 'string' ? replays.get(key) : undefined;
        const fingerprint = `${method} ${path} ${rawBody}`;
        try {
          const denied = authenticate(req);
          if (denied) throw denied;
          if (replay && replay.fingerprint !== fingerprint) {
            throw new StripeError(400, `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${String(key)}' if you meant to execute a different request.`, 'idempotency_error');
          }
          if (replay) {
            ({ status, body } = replay);
            void reply.header('idempotent-replayed', 'true');
          } else {
            const query = parse(rawQuery);
            const form = parse(rawBody);
            for (const k of Object.keys(method === 'POST' ? form : query)) {
              if (k !== 'expand' && !known.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k);
            }
            const out = handler({ params: req.params as Record<string, string>, query, form });
            body = wire('list' in out && Array.isArray(out.list) ? paginate(out.list as Obj[], out.url as string, out.query as Form) : out);
            if (path === '/v1/billing/meter_events' && lostAnswers > 0) {
              lostAnswers--;
              throw new StripeError(500, 'An unknown error occurred', 'api_error');
            }
          }
        } catch (e) {
          if (!(e instanceof StripeError)) throw e;
          status = e.status;
          body = e.body();
        }
        if (typeof key === 'string' && !replay && status < 500) replays.set(key, { fingerprint, status, body });
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
        calls.push({ method, path, query: rawQuery, headers, body: rawBody, status, response: body });
        return reply.status(status).header('request-id', newId('req')).header('stripe-version', String(req.headers['stripe-version'] ?? API_VERSION)).send(body);
      },
    });
  };

  const LIST = ['limit', 'starting_after', 'ending_before'];
  api('POST', '/v1/customers', ['email', 'name', 'description', 'metadata'], ({ form }) => store.createCustomer(form));
  api('GET', '/v1/customers/:id', [], ({ params }) => store.customer(params.id));
  api('POST', '/v1/products', ['id', 'name', 'active', 'description', 'metadata'], ({ form }) => store.createProduct(form));
  api('GET', '/v1/products/:id', [], ({ params }) => store.product(params.id));
  api('POST', '/v1/products/:id', ['name', 'active', 'description', 'metadata'], ({ params, form }) => store.updateProduct(store.product(params.id), form));
  api('GET', '/v1/prices', [...LIST, 'lookup_keys', 'active', 'product', 'type', 'currency'], ({ query }) => {
    const keys = query.lookup_keys === undefined ? null : [query.lookup_keys].flat();
    if (keys && keys.length > 10) throw invalid('You may pass at most 10 lookup keys.', 'lookup_keys');
    const list = [...store.prices.values()].filter((p) => (!keys || keys.includes(p.lookup_key))
      && (query.active === undefined || String(p.active) === query.active) && (query.product === undefined || p.product === query.product)
      && (query.type === undefined || p.type === query.type) && (query.currency === undefined || p.currency === query.currency));
    return { list, url: '/v1/prices', query };
  });
  api('POST', '/v1/prices', ['product', 'currency', 'unit_amount', 'recurring', 'lookup_key', 'transfer_lookup_key', 'nickname', 'metadata'], ({ form }) => store.createPrice(form));
  api('GET', '/v1/prices/:id', [], ({ params }) => store.price(params.id, 'id'));
  api('POST', '/v1/prices/:id', ['active', 'nickname', 'metadata'], ({ params, form }) => store.updatePrice(store.price(params.id, 'id'), form));
  api('GET', '/v1/billing/meters', [...LIST, 'status'], ({ query }) => ({ list: [...store.meters.values()].filter((m) => query.status === undefined || m.status === query.status), url: '/v1/billing/meters', query }));
  api('POST', '/v1/billing/meters', ['display_name', 'event_name', 'default_aggregation', 'customer_mapping', 'value_settings', 'event_time_window'], ({ form }) => store.createMeter(form));
  api('POST', '/v1/billing/meter_events', ['event_name', 'payload', 'identifier', 'timestamp'], ({ form }) => store.createMeterEvent(form));
  api('POST', '/v1/checkout/sessions', ['mode', 'customer', 'client_reference_id', 'line_items', 'subscription_data', 'metadata', 'success_url', 'cancel_url'], ({ form }) => store.createSession(form));
  api('GET', '/v1/checkout/sessions/:id', [], ({ params }) => store.session(params.id));
  api('POST', '/v1/billing_portal/sessions', ['customer', 'return_url'], ({ form }) => store.createPortalSession(form));
  api('GET', '/v1/subscriptions', [...LIST, 'customer', 'status', 'price'], ({ query }) => ({
    list: [...store.subscriptions.values()].filter((s) => (query.customer === undefined || s.customer === query.customer)
      && (query.status === undefined ? s.status !== 'canceled' : query.status === 'all' || s.status === query.status)),
    url: '/v1/subscriptions', query,
  }));
  api('GET', '/v1/subscriptions/:id', [], ({ params }) => store.subscription(params.id));
  api('POST', '/v1/subscriptions/:id', ['items', 'proration_behavior', 'cancel_at_period_end', 'metadata', 'payment_behavior'], ({ params, form }) => store.updateSubscription(store.subscription(params.id), form));
  api('DELETE', '/v1/subscriptions/:id', [], ({ params }) => store.cancelNow(store.subscription(params.id)));
  api('GET', '/v1/invoices', [...LIST, 'customer', 'subscription', 'status'], ({ query }) => ({
    list: [...store.invoices.values()].filter((i) => (query.customer === undefined || i.customer === query.customer)
      && (query.subscription === undefined || i.subscription === query.subscription) && (query.status === undefined || i.status === query.status)),
    url: '/v1/invoices', query,
  }));
  api('GET', '/v1/invoices/:id', [], ({ params }) => store.invoice(params.id));
  api('POST', '/v1/invoices/:id/pay', [], ({ params }) => store.payNow(store.invoice(params.id)));

  // ---- what a person sees in the browser (the demo): Checkout and the billing portal

  const page = (reply: FastifyReply, title: string, body: string) =>
    reply.type('text/html; charset=utf-8').send(`<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;max-width:36em;margin:3em auto"><h1>${title}</h1>${body}</body>`);
  const escape = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  app.get('/checkout/:id', (req, reply) => {
    const s = store.sessions.get((req.params as { id: string }).id);
    if (!s) return page(reply.status(404), 'No such checkout', '');
    const price = store.prices.get(s._price)!;
    return page(reply, 'Plugboard checkout (simulated)', s.status !== 'open'
      ? `<p>This checkout is ${escape(s.status)}.</p>`
      : `<p>${escape(price.nickname ?? price.id)}: ${(price.unit_amount / 100).toFixed(2)} ${escape(price.currency.toUpperCase())} per ${escape(price.recurring.interval)}${s._trialDays ? `, ${s._trialDays}-day free trial` : ''}.</p>
         <form method="post"><button>Pay with a test card</button></form>`);
  });
  app.post('/checkout/:id', (req, reply) => {
    const s = store.sessions.get((req.params as { id: string }).id);
    if (!s) return page(reply.status(404), 'No such checkout', '');
    if (s.status === 'open') store.completeSession(s.id);
    return reply.redirect(s.success_url, 303);
  });
  app.get('/portal/:id', (req, reply) => {
    const customer = String((req.query as { customer?: string }).customer ?? '');
    const subs = [...store.subscriptions.values()].filter((s) => s.customer === customer && s.status !== 'canceled');
    const open = [...store.invoices.values()].filter((i) => i.customer === customer && i.status === 'open');
    return page(reply, 'Billing portal (simulated)', `<p>Card: ${escape(store.cards.get(customer) ?? 'none')}</p>
      <ul>${subs.map((s) => `<li>${escape(s.items.data[0].price.nickname ?? s.id)}: ${escape(s.status)}${s.cancel_at_period_end ? ' (cancels at period end)' : ''}</li>`).join('')}</ul>
      <form method="post"><input type="hidden" name="customer" value="${escape(customer)}"><button>Use a working card${open.length ? ` and pay ${open.length} overdue invoice(s)` : ''}</button></form>`);
  });
  app.post('/portal/:id', (req, reply) => {
    const customer = String(parse(String(req.body ?? '')).customer ?? '');
    if (store.customers.has(customer)) {
      store.cards.set(customer, 'ok');
      for (const i of [...store.invoices.values()].filter((x) => x.customer === customer && x.status === 'open')) store.payNow(i);
    }
    return reply.redirect(`${req.url.split('?')[0]}?customer=${encodeURIComponent(customer)}`, 303);
  });

  app.setNotFoundHandler((req, reply) => reply.status(404).send(invalid(`Unrecognized request URL (${req.method}: ${req.url.split('?')[0]}).`).body()));

  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    secretKey,
    webhookSecret,
    settings: { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE_URL: baseUrl },
    store,
    calls,
    events,
    deliveries,
    connect(url) {
      webhookUrl = url;
    },
    completeCheckout: (id) => store.completeSession(id),
    setCard: (customerId, card) => {
      store.customer(customerId);
      store.cards.set(customerId, card);
    },
    advancePeriod: (id) => store.renew(store.subscription(id)),
    trialWillEnd(id) {
      const sub = store.subscription(id);
      if (sub.status !== 'trialing') throw new Error(`subscription ${id} is not in trial`);
      emit('customer.subscription.trial_will_end', sub);
      return events[events.length - 1];
    },
    hold() {
      held ??= [];
    },
    release() {
      const out = held ?? [];
      held = null;
      return out;
    },
    deliver,
    async settled() {
      while (pending > 0) await queue;
    },
    loseMeterEventAnswers(n) {
      lostAnswers = n;
    },
    meterTotal: (customerId, eventName) => store.meterEvents
      .filter((e) => e.event_name === eventName && e.payload.stripe_customer_id === customerId)
      .reduce((sum, e) => sum + Number(e.payload.value), 0),
    close: () => app.close(),
  };
}
