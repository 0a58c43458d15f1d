import { randomBytes } from 'node:crypto';
import { signWebhook, type RunningSimulator, type SimulatorOptions } from '../../../core/plugin-sdk';
import { SimulatorServer, type RecordedCall, type SimHandler, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';
import {
  DEFAULT_SEED, invalid, noSuch, nowSeconds, Rng, RULES, StripeApiError, StripeStore, listParams,
  type Row, type SeedCounts, type StripeResource,
} from './stripe.fixtures';
import { stripeSignature } from '../webhooks';

export interface StripeSimulatorOptions extends SimulatorOptions {
  /** where emit() posts signed events; also settable with POST /__sim/webhook {url} */
  webhookUrl?: string;
  /** per-resource seed counts, over `seed` (a large account of customers with a few products, say) */
  seedCounts?: Partial<SeedCounts>;
}

export interface StripeSimulator extends RunningSimulator {
  /** every request answered, for conformance checks */
  readonly calls: readonly RecordedCall[];
  /** how many records of each resource the store started with */
  readonly seeded: SeedCounts;
  /** a resource's records as they stand, newest first (as the list endpoint orders them), for comparing a synced copy */
  records(resource: StripeResource): readonly Row[];
  /** a `Stripe-Signature` header value for a payload, as Stripe computes it */
  sign(payload: string, timestamp?: number): string;
  /**
   * posts a signed event wrapping `object` to the webhook URL (signed with the account's secret) and
   * to every webhook endpoint created through the API that takes its type (each with its own secret)
   */
  emit(type: string, object: Record<string, unknown>, opts?: { account?: string }): Promise<{ event: Record<string, unknown>; status: number; deliveries: { url: string; status: number }[] }>;
}

const SECRET_KEY = 'sk_test_51PlugboardSimulatorKey0000000000';
const WEBHOOK_SECRET = 'whsec_plugboard_simulator';
const API_VERSION = '2023-08-16';
const ACCOUNT = {
  id: 'acct_1PlugboardSim000', object: 'account', business_profile: { name: 'Plugboard Simulator', url: null },
  charges_enabled: true, country: 'US', default_currency: 'usd', details_submitted: true, email: 'simulator@plugboard.test',
  payouts_enabled: true, type: 'standard',
};

/**
 * A fake Stripe on loopback that behaves as spec3 describes: list paging and `created` filters,
 * form-encoded writes, idempotency keys, Bearer or Basic API keys, Stripe's error bodies and its
 * 100 requests/s limit. Responses carry every field the published schemas require.
 */
export async function startSimulator(opts: StripeSimulatorOptions = {}): Promise<StripeSimulator> {
  const seeded: SeedCounts = {
    ...(opts.seed === undefined ? DEFAULT_SEED : { customers: opts.seed, products: opts.seed, invoices: opts.seed, subscriptions: opts.seed }),
    ...opts.seedCounts,
  };
  let store = new StripeStore(seeded);
  let replays = new Map<string, { fingerprint: string; response: SimResponse }>();
  let webhookUrl = opts.webhookUrl;
  // endpoints created with POST /v1/webhook_endpoints, each with the secret Stripe issues for it
  const endpoints = new Map<string, Row & { url: string; enabled_events: string[]; secret: string }>();
  // request and event ids come from their own sequence, so traffic never shifts the ids of created records
  const ids = new Rng(0xfeed);

  const server = new SimulatorServer({
    name: 'stripe',
    authenticate,
    rateLimit: {
      limit: 100, windowMs: 1000,
      // Stripe sends no rate-limit headers: clients learn of the limit from the 429
      headers: () => ({}),
      exceeded: () => ({ body: errorBody(429, 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.') }),
    },
    errorBody,
    recordLimit: 10_000,
  });

  /** Answers Stripe's errors with their full body (the SDK's SimError carries only a message). */
  const stripe = (handler: SimHandler): SimHandler => async (req) => {
    try {
      const res = await handler(req);
      return { ...res, headers: { 'request-id': ids.id('req'), 'stripe-version': API_VERSION, ...res.headers } };
    } catch (e) {
      if (e instanceof StripeApiError) return { status: e.status, body: e.body() };
      throw e;
    }
  };

  /** Replays the first answer for a key; the same key with other params is refused, as Stripe does. */
  const idempotent = (handler: SimHandler): SimHandler => async (req) => {
    const key = req.headers['idempotency-key'];
    if (!key) return handler(req);
    const fingerprint = `${req.method} ${req.path} ${req.rawBody}`;
    const seen = replays.get(key);
    if (seen && seen.fingerprint !== fingerprint) {
      throw new StripeApiError(400, `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`, { type: 'idempotency_error' });
    }
    if (seen) return { ...seen.response, headers: { ...seen.response.headers, 'idempotent-replayed': 'true' } };
    const response = await handler(req);
    // a request that failed validation never ran, so Stripe lets the key be used again
    if ((response.status ?? 200) < 400) replays.set(key, { fingerprint, response });
    return response;
  };

  const find = (resource: StripeResource, id: string): Row => {
    const row = store.get(resource, id);
    if (!row) throw noSuch(RULES[resource].object, id);
    return row;
  };

  const list = (resource: StripeResource, req: SimRequest): SimResponse => {
    const rules = RULES[resource];
    const known = ['limit', 'starting_after', 'ending_before', 'created', 'expand', ...Object.keys(rules.filters)];
    for (const k of Object.keys(req.query)) if (!known.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k);
    const p = listParams(req.query);
    const keep = (r: Row) => p.created(r.created)
      && (rules.listedByDefault?.(r, req.query) ?? true)
      && Object.entries(rules.filters).every(([k, test]) => req.query[k] === undefined || test(r, req.query[k]));
    const all = store.list(resource);
    const cursor = p.startingAfter ?? p.endingBefore;
    const at = cursor === undefined ? -1 : store.position(resource, cursor);
    if (cursor !== undefined && at < 0) throw noSuch(rules.object, cursor, p.startingAfter ? 'starting_after' : 'ending_before', 400);
    let data: Row[];
    let hasMore: boolean;
    if (p.endingBefore !== undefined) {
      const newer = all.slice(0, at).filter(keep);
      data = newer.slice(-p.limit);
      hasMore = newer.length > p.limit;
    } else {
      // one past the page tells whether there is more
      data = [];
      for (let i = at + 1; i < all.length && data.length <= p.limit; i++) if (keep(all[i])) data.push(all[i]);
      hasMore = data.length > p.limit;
      data = data.slice(0, p.limit);
    }
    return json({ object: 'list', data, has_more: hasMore, url: `/v1/${resource}` });
  };

  for (const resource of Object.keys(RULES) as StripeResource[]) {
    const base = `/v1/${resource}`;
    server
      .route('GET', base, stripe((req) => list(resource, req)))
      .route('POST', base, stripe(idempotent((req) => json(store.create(resource, form(req))))))
      .route('GET', `${base}/:id`, stripe((req) => {
        const { id } = req.params;
        if (resource === 'customers' && store.isDeletedCustomer(id)) return json({ id, object: 'customer', deleted: true });
        return json(find(resource, id));
      }))
      .route('POST', `${base}/:id`, stripe(idempotent((req) => json(store.update(resource, find(resource, req.params.id), form(req))))))
      .route('DELETE', `${base}/:id`, stripe((req) => json(RULES[resource].remove(store, find(resource, req.params.id)))));
  }
  server
    .route('GET', '/v1/account', stripe(() => json(ACCOUNT)))
    .route('GET', '/v1/balance', stripe(() => {
      const paid = store.list('invoices').reduce((sum, i) => sum + i.amount_paid, 0);
      return json({
        object: 'balance', livemode: false,
        available: [{ amount: paid, currency: 'usd', source_types: { card: paid } }],
        pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
      });
    }));

  server
    .route('POST', '/v1/webhook_endpoints', stripe(idempotent((req) => {
      const f = form(req);
      if (typeof f.url !== 'string' || !/^https?:\/\//.test(f.url)) throw invalid('Invalid URL: url must be an http(s) URL', 'url');
      const events: unknown = f.enabled_events;
      if (!Array.isArray(events) || events.length === 0) throw invalid('Missing required param: enabled_events.', 'enabled_events');
      const endpoint = {
        id: ids.id('we'), object: 'webhook_endpoint', api_version: null, application: null, created: nowSeconds(), description: f.description ?? null,
        enabled_events: events.map(String), livemode: false, metadata: {}, secret: `whsec_${randomBytes(24).toString('base64url')}`, status: 'enabled', url: f.url,
      };
      endpoints.set(endpoint.id, endpoint as never);
      return json(endpoint);
    })))
    .route('GET', '/v1/webhook_endpoints', stripe(() => json({
      object: 'list', url: '/v1/webhook_endpoints', has_more: false,
      data: [...endpoints.values()].map(({ secret: _secret, ...e }) => e),
    })))
    .route('DELETE', '/v1/webhook_endpoints/:id', stripe((req) => {
      if (!endpoints.delete(req.params.id)) throw noSuch('webhook_endpoint', req.params.id);
      return json({ id: req.params.id, object: 'webhook_endpoint', deleted: true });
    }));

  const sign = (payload: string, timestamp = nowSeconds(), secret = WEBHOOK_SECRET): string =>
    signWebhook(stripeSignature, secret, { body: payload, timestamp })['stripe-signature'];

  const emit = async (type: string, object: Record<string, unknown>, o: { account?: string } = {}) => {
    const targets = [
      ...(webhookUrl ? [{ url: webhookUrl, secret: WEBHOOK_SECRET }] : []),
      ...[...endpoints.values()].filter((e) => e.enabled_events.includes('*') || e.enabled_events.includes(type)),
    ];
    if (targets.length === 0) throw new Error('no webhook URL: pass webhookUrl, POST /__sim/webhook {"url": ...} or create a webhook endpoint');
    const event = {
      id: ids.id('evt'), object: 'event', api_version: API_VERSION, created: nowSeconds(), data: { object },
      livemode: false, pending_webhooks: targets.length, request: { id: null, idempotency_key: null }, type, ...(o.account ? { account: o.account } : {}),
    };
    const payload = JSON.stringify(event, null, 2);
    const deliveries = await Promise.all(targets.map(async (t) => {
      const res = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': sign(payload, nowSeconds(), t.secret), 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        body: payload,
      });
      await res.arrayBuffer();
      return { url: t.url, status: res.status };
    }));
    return { event, status: deliveries[0].status, deliveries };
  };

  server
    .control('reset', (body?: { seed?: number }) => {
      store = new StripeStore(body?.seed === undefined ? seeded : { customers: body.seed, products: body.seed, invoices: body.seed, subscriptions: body.seed });
      replays = new Map();
      return { ok: true };
    })
    .control('webhook', (body: { url: string }) => {
      webhookUrl = body.url;
      return { url: webhookUrl };
    })
    .control('emit', (body: { type: string; object: Record<string, unknown>; account?: string }) => emit(body.type, body.object, { account: body.account }));

  const url = await server.listen(opts.port);
  return {
    url,
    credentials: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET },
    get calls() {
      return server.calls;
    },
    seeded,
    records: (resource) => store.list(resource),
    sign,
    emit,
    close: () => server.close(),
  };
}

/** Copies, so later changes to the store never rewrite an answer already sent or recorded. */
function json(body: unknown): SimResponse {
  return { body: structuredClone(body) };
}

function form(req: SimRequest): Record<string, any> {
  if (req.body === undefined) return {};
  if (typeof req.body !== 'object' || !req.headers['content-type']?.includes('application/x-www-form-urlencoded')) {
    throw invalid(`Invalid request: unsupported Content-Type ${req.headers['content-type'] ?? '(none)'}. Stripe takes application/x-www-form-urlencoded bodies.`);
  }
  return req.body;
}

function errorBody(status: number, message: string): { error: Record<string, string> } {
  if (status === 429) return { error: { type: 'invalid_request_error', code: 'rate_limit', message } };
  return { error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', message } };
}

function authenticate(req: SimRequest): SimResponse | null {
  const key = apiKey(req.headers.authorization ?? '');
  if (key === SECRET_KEY) return null;
  const message = key
    ? `Invalid API Key provided: ${redact(key)}`
    : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
  return { status: 401, headers: { 'www-authenticate': 'Bearer realm="Stripe"' }, body: { error: { type: 'invalid_request_error', message } } };
}

/** Stripe takes the key as a Bearer token, or as the Basic user name with an empty password. */
function apiKey(header: string): string | null {
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return value || null;
  if (/^basic$/i.test(scheme)) return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || null;
  return null;
}

/** Stripe never echoes a key whole: the prefix and last four characters only. */
function redact(key: string): string {
  return key.length <= 12 ? '*'.repeat(key.length) : `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}
