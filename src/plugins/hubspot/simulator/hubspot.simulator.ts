import { randomBytes, randomUUID } from 'node:crypto';
import { signWebhook, type RunningSimulator, type SimulatorOptions } from '../../../core/plugin-sdk';
import { SimError, SimulatorServer, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';
import type { HubspotObject } from '../hubspot.client';
import { hubspotSignatureV3 } from '../webhooks';

/**
 * A fake HubSpot portal: CRM v3 objects (list, search, read, create, update, archive) for contacts,
 * companies and deals, private-app and OAuth bearer auth, the 10-second rate limit and HubSpot's
 * error bodies. Controls at /__sim/touch and /__sim/archive change records behind the API's back,
 * as users in the HubSpot UI would; with a webhook URL set (option or /__sim/webhook), those changes
 * are announced there as v3-signed webhook batches, as an app's subscriptions would deliver them.
 */

type ObjectType = 'contacts' | 'companies' | 'deals';

/** The simulator stores records in exactly the shape the API returns them. */
type SimObject = HubspotObject;

interface TypeSpec {
  modified: string;
  /** what HubSpot returns when the request names no properties */
  defaults: readonly string[];
  writable: readonly string[];
  dates: readonly string[];
  numbers: readonly string[];
}

const TYPES: Record<ObjectType, TypeSpec> = {
  contacts: {
    modified: 'lastmodifieddate',
    defaults: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    writable: ['email', 'firstname', 'lastname', 'phone', 'company', 'jobtitle', 'lifecyclestage'],
    dates: ['createdate', 'lastmodifieddate'],
    numbers: ['hs_object_id'],
  },
  companies: {
    modified: 'hs_lastmodifieddate',
    defaults: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    writable: ['name', 'domain', 'industry', 'phone', 'city'],
    dates: ['createdate', 'hs_lastmodifieddate'],
    numbers: ['hs_object_id'],
  },
  deals: {
    modified: 'hs_lastmodifieddate',
    defaults: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
    writable: ['dealname', 'amount', 'deal_currency_code', 'dealstage', 'closedate', 'pipeline'],
    dates: ['createdate', 'hs_lastmodifieddate', 'closedate'],
    numbers: ['hs_object_id', 'amount'],
  },
};
const READ_ONLY = ['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate'];

const LIST_MAX = 100;
const SEARCH_MAX = 200;
const SEARCH_RESULT_CAP = 10_000;
const RATE_LIMIT = 100;
const RATE_WINDOW_MS = 10_000;
const ACCESS_TOKEN_TTL_S = 1800;
const DEFAULT_SEED: Record<ObjectType, number> = { contacts: 300, companies: 80, deals: 150 };

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis', 'Radia', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Ritchie', 'Perlman', 'Torvalds'];
const INDUSTRIES = ['COMPUTER_SOFTWARE', 'FINANCIAL_SERVICES', 'HOSPITAL_HEALTH_CARE', 'RETAIL', 'MARKETING_AND_ADVERTISING', 'EDUCATION_MANAGEMENT'];
const STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'];
const CURRENCIES = ['USD', 'EUR', 'GBP'];

export interface HubspotSimulator extends RunningSimulator {
  portalId: number;
  /** the OAuth app the simulator knows; its secret also signs webhooks */
  oauthClient: { clientId: string; clientSecret: string };
  /** posts a v3-signed batch of these events (ids, portal and times filled in) to the webhook URL */
  sendWebhook(events: Partial<HubspotWebhookEvent>[]): Promise<{ status: number; events: HubspotWebhookEvent[] }>;
}

/** One event of a webhook batch, as HubSpot sends it. */
export interface HubspotWebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId?: number;
  propertyName?: string;
  propertyValue?: string;
  changeSource: string;
}

export interface HubspotSimulatorOptions extends SimulatorOptions {
  /** lifetime of the OAuth access tokens it issues (HubSpot's is 30 minutes): shorter, to see them expire mid-work */
  accessTokenTtlSeconds?: number;
  /** where changes to records are announced as webhooks */
  webhookUrl?: string;
}

export async function startSimulator(opts: HubspotSimulatorOptions = {}): Promise<HubspotSimulator> {
  const portal = new HubspotPortal(opts.seed, opts.accessTokenTtlSeconds);
  portal.webhookUrl = opts.webhookUrl;
  const url = await portal.server.listen(opts.port);
  return {
    url,
    credentials: { accessToken: portal.privateAppToken, webhookSecret: portal.clientSecret },
    portalId: portal.portalId,
    oauthClient: { clientId: portal.clientId, clientSecret: portal.clientSecret },
    sendWebhook: (events) => portal.sendWebhook(events),
    close: () => portal.server.close(),
  };
}

/**
 * Headers HubSpot puts on a v3-signed request: base64 HMAC-SHA256, keyed by the app's client
 * secret, of method + full URI + body + timestamp (ms).
 */
export function signHubspotWebhook(opts: { clientSecret: string; method: string; uri: string; body: string; timestamp?: number }): Record<string, string> {
  return signWebhook(hubspotSignatureV3, opts.clientSecret, { method: opts.method, url: opts.uri, body: opts.body, timestamp: opts.timestamp });
}

const SUBSCRIPTION_OBJECT: Record<ObjectType, string> = { contacts: 'contact', companies: 'company', deals: 'deal' };

function hubspotError(status: number, message: string, category: string, extra: Record<string, unknown> = {}): SimResponse {
  return { status, body: { status: 'error', message, correlationId: randomUUID(), category, ...extra } };
}

const CATEGORY: Record<number, string> = { 400: 'VALIDATION_ERROR', 401: 'INVALID_AUTHENTICATION', 404: 'OBJECT_NOT_FOUND', 429: 'RATE_LIMITS' };

class HubspotPortal {
  readonly portalId = 62515;
  readonly privateAppToken = `pat-na1-${randomUUID()}`;
  readonly clientId = randomUUID();
  readonly clientSecret = randomUUID();
  readonly server: SimulatorServer;
  private readonly objects: Record<ObjectType, Map<string, SimObject>> = { contacts: new Map(), companies: new Map(), deals: new Map() };
  private nextId = 100_001;
  private readonly authCodes = new Map<string, string>(); // code -> redirect_uri
  private readonly refreshTokens = new Set<string>();
  private readonly accessTokens = new Map<string, number>(); // token -> expiry (ms)
  webhookUrl?: string;
  private nextEventId = 1;

  constructor(seed?: number, private readonly accessTokenTtlS = ACCESS_TOKEN_TTL_S) {
    this.server = new SimulatorServer({
      name: 'hubspot',
      authenticate: (req) => this.authenticate(req),
      rateLimit: {
        limit: RATE_LIMIT,
        windowMs: RATE_WINDOW_MS,
        headers: (remaining, _resetAt, limit) => ({
          'X-HubSpot-RateLimit-Max': String(limit),
          'X-HubSpot-RateLimit-Remaining': String(remaining),
          'X-HubSpot-RateLimit-Interval-Milliseconds': String(RATE_WINDOW_MS),
        }),
        exceeded: () => ({
          body: {
            status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT',
            correlationId: randomUUID(), policyName: 'TEN_SECONDLY_ROLLING',
          },
        }),
      },
      errorBody: (status, message) => hubspotError(status, message, CATEGORY[status] ?? 'INTERNAL_ERROR').body,
    });
    for (const type of Object.keys(TYPES) as ObjectType[]) this.seed(type, seed ?? DEFAULT_SEED[type]);
    this.routes();
    this.controls();
  }

  private routes(): void {
    const s = this.server;
    s.route('GET', '/account-info/v3/details', () => ({
      body: {
        portalId: this.portalId, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [],
        utcOffset: '-05:00', utcOffsetMilliseconds: -18_000_000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1',
      },
    }));
    s.route('GET', '/crm/v3/objects/:objectType', (req) => this.list(req));
    s.route('POST', '/crm/v3/objects/:objectType', (req) => this.create(req));
    s.route('POST', '/crm/v3/objects/:objectType/search', (req) => this.search(req));
    s.route('GET', '/crm/v3/objects/:objectType/:objectId', (req) => this.read(req));
    s.route('PATCH', '/crm/v3/objects/:objectType/:objectId', (req) => this.update(req));
    s.route('DELETE', '/crm/v3/objects/:objectType/:objectId', (req) => this.archive(req));
    s.route('GET', '/oauth/authorize', (req) => this.authorize(req));
    s.route('POST', '/oauth/v1/token', (req) => this.token(req));
    s.route('DELETE', '/oauth/v1/refresh-tokens/:token', (req) => {
      if (!this.refreshTokens.delete(req.params.token)) throw new SimError(404, 'refresh token not found');
      return { status: 204 };
    });
  }

  private controls(): void {
    // { objectType, ids } or { objectType, count }: the records a user edits (or archives) in the UI
    this.server.control('touch', async (body: { objectType: ObjectType; ids?: string[]; count?: number; properties?: Record<string, string> }) => {
      const picked = this.pick(body);
      const at = new Date().toISOString();
      for (const o of picked) {
        Object.assign(o.properties, body.properties);
        this.modified(body.objectType, o, at);
      }
      const [propertyName, propertyValue] = Object.entries(body.properties ?? {})[0] ?? [TYPES[body.objectType].modified, at];
      const webhook = await this.announce(body.objectType, 'propertyChange', picked, { propertyName, propertyValue: propertyValue ?? undefined });
      return { ids: picked.map((o) => o.id), ...webhook };
    });
    this.server.control('archive', async (body: { objectType: ObjectType; ids?: string[]; count?: number }) => {
      const picked = this.pick(body);
      const at = new Date().toISOString();
      for (const o of picked) Object.assign(o, { archived: true, archivedAt: at });
      return { ids: picked.map((o) => o.id), ...(await this.announce(body.objectType, 'deletion', picked, {})) };
    });
    this.server.control('webhook', (body: { url: string }) => {
      this.webhookUrl = body.url;
      return { url: this.webhookUrl };
    });
  }

  /** One batch for a change made in the UI, when a webhook URL is set. */
  private async announce(type: ObjectType, change: string, objects: SimObject[], extra: Partial<HubspotWebhookEvent>): Promise<{ webhookStatus?: number }> {
    if (!this.webhookUrl || objects.length === 0) return {};
    const { status } = await this.sendWebhook(objects.map((o) => ({ subscriptionType: `${SUBSCRIPTION_OBJECT[type]}.${change}`, objectId: Number(o.id), ...extra })));
    return { webhookStatus: status };
  }

  async sendWebhook(events: Partial<HubspotWebhookEvent>[]): Promise<{ status: number; events: HubspotWebhookEvent[] }> {
    if (!this.webhookUrl) throw new Error('no webhook URL: pass webhookUrl or POST /__sim/webhook {"url": ...}');
    const batch = events.map((e): HubspotWebhookEvent => ({
      eventId: this.nextEventId++, subscriptionId: 1, portalId: this.portalId, appId: 1, occurredAt: Date.now(),
      subscriptionType: 'contact.propertyChange', attemptNumber: 0, changeSource: 'CRM', ...e,
    }));
    const body = JSON.stringify(batch);
    const res = await fetch(this.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signHubspotWebhook({ clientSecret: this.clientSecret, method: 'POST', uri: this.webhookUrl, body }) },
      body,
    });
    await res.arrayBuffer();
    return { status: res.status, events: batch };
  }

  /** Named records, or `count` active ones spread evenly over the portal. */
  private pick(body: { objectType: ObjectType; ids?: string[]; count?: number }): SimObject[] {
    if (!(body?.objectType in TYPES)) throw new Error(`objectType must be one of ${Object.keys(TYPES).join(', ')}`);
    const store = this.store(body.objectType);
    if (body.ids) {
      return body.ids.map((id) => {
        const o = store.get(id);
        if (!o) throw new Error(`no ${body.objectType} ${id}`);
        return o;
      });
    }
    const active = [...store.values()].filter((o) => !o.archived);
    const step = Math.max(1, Math.floor(active.length / (body.count ?? 1)));
    return active.filter((_, i) => i % step === 0).slice(0, body.count ?? 1);
  }

  // --- auth

  private authenticate(req: SimRequest): SimResponse | null {
    if (req.path.startsWith('/oauth/')) return null;
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === this.privateAppToken) return null;
    const expiry = token ? this.accessTokens.get(token) : undefined;
    if (expiry !== undefined && expiry > Date.now()) return null;
    if (expiry !== undefined) {
      return hubspotError(401, 'The OAuth token used to make this call expired 0 second(s) ago.', 'EXPIRED_AUTHENTICATION');
    }
    return hubspotError(
      401,
      'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      'INVALID_AUTHENTICATION',
    );
  }

  /** Stands in for the consent screen: approves at once and redirects with a code. */
  private authorize(req: SimRequest): SimResponse {
    const { client_id, redirect_uri, state } = req.query as Record<string, string | undefined>;
    if (client_id !== this.clientId || !redirect_uri) throw new SimError(400, 'Invalid client_id or redirect_uri');
    const code = randomUUID();
    this.authCodes.set(code, redirect_uri);
    const location = new URL(redirect_uri);
    location.searchParams.set('code', code);
    if (state) location.searchParams.set('state', state);
    return { status: 302, headers: { location: location.toString() } };
  }

  private token(req: SimRequest): SimResponse {
    const f = (typeof req.body === 'object' && req.body ? req.body : {}) as Record<string, string | undefined>;
    const refuse = (status: string, message: string): SimResponse => ({ status: 400, body: { status, message, correlationId: randomUUID() } });
    if (f.client_id !== this.clientId) return refuse('BAD_CLIENT_ID', 'missing or invalid client_id');
    if (f.client_secret !== this.clientSecret) return refuse('BAD_CLIENT_SECRET', 'missing or invalid client_secret');
    let refreshToken: string;
    if (f.grant_type === 'authorization_code') {
      const redirect = f.code ? this.authCodes.get(f.code) : undefined;
      if (redirect === undefined) return refuse('BAD_AUTH_CODE', 'missing or unknown auth code');
      if (redirect !== f.redirect_uri) return refuse('BAD_REDIRECT_URI', 'redirect_uri does not match the one used to authorize');
      this.authCodes.delete(f.code!);
      refreshToken = `na1-${randomUUID()}`;
      this.refreshTokens.add(refreshToken);
    } else if (f.grant_type === 'refresh_token') {
      if (!f.refresh_token || !this.refreshTokens.has(f.refresh_token)) return refuse('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
      refreshToken = f.refresh_token;
    } else {
      return refuse('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    const accessToken = `CN${randomBytes(48).toString('base64url')}`;
    this.accessTokens.set(accessToken, Date.now() + this.accessTokenTtlS * 1000);
    return { body: { token_type: 'bearer', refresh_token: refreshToken, access_token: accessToken, expires_in: this.accessTokenTtlS } };
  }

  // --- objects

  private list(req: SimRequest): SimResponse {
    const type = objectType(req);
    const limit = parseLimit(req.query.limit, LIST_MAX);
    const archived = req.query.archived === 'true';
    const afterId = req.query.after === undefined ? 0 : decodeCursor(req.query.after);
    const matching = [...this.store(type).values()].filter((o) => o.archived === archived && Number(o.id) > afterId);
    const page = matching.slice(0, limit);
    const body: Record<string, unknown> = { results: page.map((o) => this.present(type, o, propertyList(req.query.properties))) };
    if (matching.length > limit) {
      const after = encodeCursor(page[page.length - 1].id);
      const link = new URL(`http://${req.headers.host}${req.path}`);
      link.searchParams.set('after', after);
      body.paging = { next: { after, link: link.toString() } };
    }
    return { body };
  }

  private search(req: SimRequest): SimResponse {
    const type = objectType(req);
    const b = (req.body ?? {}) as SearchBody;
    const limit = parseLimit(b.limit, SEARCH_MAX);
    const offset = b.after === undefined ? 0 : Number(b.after);
    if (!Number.isInteger(offset) || offset < 0) throw new SimError(400, `Invalid input: after must be an integer offset, got ${b.after}`);
    if (offset >= SEARCH_RESULT_CAP) throw new SimError(400, `Search results are limited to ${SEARCH_RESULT_CAP}. Narrow the query to page further.`);
    const groups = b.filterGroups ?? [];
    const filterCount = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
    if (groups.length > 5 || filterCount > 25 || groups.some((g) => (g.filters?.length ?? 0) > 10)) {
      throw new SimError(400, 'Too many filters: at most 5 filterGroups, 10 filters per group and 25 filters in all');
    }
    if ((b.sorts?.length ?? 0) > 1) throw new SimError(400, 'Only one sort is supported');
    const spec = TYPES[type];
    const sort = b.sorts?.[0];
    const matching = [...this.store(type).values()]
      .filter((o) => !o.archived && (groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matches(spec, o, f)))))
      .sort((x, y) => {
        const bySort = sort ? compare(spec, sort.propertyName, x.properties[sort.propertyName] ?? '', y.properties[sort.propertyName] ?? '') : 0;
        return (sort?.direction === 'DESCENDING' ? -bySort : bySort) || Number(x.id) - Number(y.id);
      });
    // nothing past the cap is ever returned, however the pages are cut
    const end = Math.min(offset + limit, matching.length, SEARCH_RESULT_CAP);
    const body: Record<string, unknown> = {
      total: matching.length,
      results: matching.slice(offset, end).map((o) => this.present(type, o, b.properties)),
    };
    if (end < Math.min(matching.length, SEARCH_RESULT_CAP)) body.paging = { next: { after: String(end) } };
    return { body };
  }

  private read(req: SimRequest): SimResponse {
    const type = objectType(req);
    const archived = req.query.archived === 'true';
    const id = req.params.objectId;
    const found = req.query.idProperty === 'email' && type === 'contacts'
      ? [...this.store(type).values()].find((o) => o.archived === archived && o.properties.email?.toLowerCase() === id.toLowerCase())
      : this.store(type).get(id);
    if (!found || found.archived !== archived) throw new SimError(404, 'Object not found. objectId are usually numeric.');
    return { body: this.present(type, found, propertyList(req.query.properties)) };
  }

  private create(req: SimRequest): SimResponse {
    const type = objectType(req);
    const props = this.validProperties(type, req.body?.properties);
    const duplicate = type === 'contacts' ? this.contactWithEmail(props.email) : undefined;
    if (duplicate) return conflict(duplicate.id, props.email!);
    const now = new Date().toISOString();
    const o = this.insert(type, props, now);
    return { status: 201, body: this.present(type, o, Object.keys(o.properties)) };
  }

  private update(req: SimRequest): SimResponse {
    const type = objectType(req);
    const o = this.store(type).get(req.params.objectId);
    if (!o || o.archived) throw new SimError(404, 'Object not found. objectId are usually numeric.');
    const props = this.validProperties(type, req.body?.properties);
    const duplicate = type === 'contacts' ? this.contactWithEmail(props.email) : undefined;
    if (duplicate && duplicate.id !== o.id) return conflict(duplicate.id, props.email!);
    Object.assign(o.properties, props);
    this.modified(type, o, new Date().toISOString());
    return { body: this.present(type, o, Object.keys(o.properties)) };
  }

  private archive(req: SimRequest): SimResponse {
    const o = this.store(objectType(req)).get(req.params.objectId);
    if (!o) throw new SimError(404, 'Object not found. objectId are usually numeric.');
    if (!o.archived) Object.assign(o, { archived: true, archivedAt: new Date().toISOString() });
    return { status: 204 };
  }

  /** HubSpot stores every value as a string and refuses unknown or read-only properties. */
  private validProperties(type: ObjectType, raw: unknown): Record<string, string | null> {
    if (typeof raw !== 'object' || raw === null) throw new SimError(400, 'Invalid input JSON: properties is required');
    const errors: Record<string, string>[] = [];
    const out: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (READ_ONLY.includes(name)) errors.push({ name, error: 'READ_ONLY_VALUE', message: `${name} is a read only property; its value cannot be set.` });
      else if (!TYPES[type].writable.includes(name)) errors.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      else out[name] = value === null || value === '' ? null : String(value);
    }
    if (errors.length) throw new SimError(400, `Property values were not valid: ${JSON.stringify(errors.map((e) => ({ isValid: false, ...e })))}`);
    return out;
  }

  private contactWithEmail(email: string | null | undefined): SimObject | undefined {
    if (!email) return undefined;
    return [...this.objects.contacts.values()].find((o) => !o.archived && o.properties.email?.toLowerCase() === email.toLowerCase());
  }

  /** The properties asked for (or the type's defaults), plus the ones HubSpot always adds; null where unset. */
  private present(type: ObjectType, o: SimObject, requested?: string[]): SimObject {
    const spec = TYPES[type];
    const names = requested?.length ? new Set([...requested, 'hs_object_id', 'createdate', spec.modified]) : new Set(spec.defaults);
    const known = new Set([...spec.writable, ...READ_ONLY]);
    const properties = Object.fromEntries([...names].filter((n) => known.has(n)).map((n) => [n, o.properties[n] ?? null]));
    return { id: o.id, properties, createdAt: o.createdAt, updatedAt: o.updatedAt, archived: o.archived, ...(o.archivedAt ? { archivedAt: o.archivedAt } : {}) };
  }

  private store(type: ObjectType): Map<string, SimObject> {
    return this.objects[type];
  }

  private insert(type: ObjectType, props: Record<string, string | null>, createdAt: string, modifiedAt = createdAt): SimObject {
    const id = String(this.nextId++);
    const o: SimObject = { id, properties: { ...props, hs_object_id: id, createdate: createdAt }, createdAt, updatedAt: modifiedAt, archived: false };
    o.properties[TYPES[type].modified] = modifiedAt;
    this.store(type).set(id, o);
    return o;
  }

  private modified(type: ObjectType, o: SimObject, at: string): void {
    o.updatedAt = at;
    o.properties[TYPES[type].modified] = at;
  }

  /** Deterministic records, created a minute apart and modified before now, so "changed since now" starts empty. */
  private seed(type: ObjectType, count: number): void {
    const start = Date.now() - (count + 10) * 60_000;
    for (let i = 0; i < count; i++) {
      const created = start + i * 60_000;
      const modified = created + (i % 50) * 1_000;
      this.insert(type, seedProperties(type, i), new Date(created).toISOString(), new Date(modified).toISOString());
    }
  }
}

function seedProperties(type: ObjectType, i: number): Record<string, string | null> {
  const company = `${LAST[(i * 5) % LAST.length]} ${['Labs', 'Systems', 'Partners', 'Works'][i % 4]}`;
  if (type === 'contacts') {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7) % LAST.length];
    return {
      email: `${first}.${last}.${i}@example.com`.toLowerCase(), firstname: first, lastname: last,
      phone: i % 3 === 0 ? null : `+1 555 01${String(i % 100).padStart(2, '0')}`, company, lifecyclestage: 'lead',
    };
  }
  if (type === 'companies') {
    return { name: `${company} ${i}`, domain: `${company.replace(' ', '-').toLowerCase()}-${i}.example.com`, industry: INDUSTRIES[i % INDUSTRIES.length], phone: null, city: 'Boston' };
  }
  return {
    dealname: `${company} renewal ${i}`, amount: String(500 + (i % 40) * 250), deal_currency_code: CURRENCIES[i % CURRENCIES.length],
    dealstage: STAGES[i % STAGES.length], pipeline: 'default', closedate: new Date(Date.UTC(2026, i % 12, 1 + (i % 28))).toISOString(),
  };
}

interface SearchFilter { propertyName: string; operator: string; value?: string; highValue?: string; values?: string[] }
interface SearchBody {
  filterGroups?: { filters?: SearchFilter[] }[];
  sorts?: { propertyName: string; direction?: 'ASCENDING' | 'DESCENDING' }[];
  properties?: string[];
  limit?: number;
  after?: string;
}

function matches(spec: TypeSpec, o: SimObject, f: SearchFilter): boolean {
  const v = o.properties[f.propertyName] ?? null;
  const has = v !== null && v !== '';
  const cmp = (other: string | undefined) => compare(spec, f.propertyName, v ?? '', other ?? '');
  switch (f.operator) {
    case 'HAS_PROPERTY': return has;
    case 'NOT_HAS_PROPERTY': return !has;
    case 'EQ': return has && cmp(f.value) === 0;
    case 'NEQ': return !has || cmp(f.value) !== 0;
    case 'LT': return has && cmp(f.value) < 0;
    case 'LTE': return has && cmp(f.value) <= 0;
    case 'GT': return has && cmp(f.value) > 0;
    case 'GTE': return has && cmp(f.value) >= 0;
    case 'BETWEEN': return has && cmp(f.value) >= 0 && cmp(f.highValue) <= 0;
    case 'IN': return has && (f.values ?? []).some((x) => cmp(x) === 0);
    case 'NOT_IN': return !has || (f.values ?? []).every((x) => cmp(x) !== 0);
    default: throw new SimError(400, `Unsupported filter operator ${f.operator}`);
  }
}

/** Dates compare as instants (filters send epoch ms, records hold ISO), numbers as numbers, strings case-blind. */
function compare(spec: TypeSpec, property: string, a: string, b: string): number {
  if (spec.dates.includes(property)) return toMs(a) - toMs(b);
  if (spec.numbers.includes(property)) return Number(a) - Number(b);
  return a.toLowerCase().localeCompare(b.toLowerCase());
}

function toMs(v: string): number {
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
}

function objectType(req: SimRequest): ObjectType {
  const t = req.params.objectType;
  if (!(t in TYPES)) throw new SimError(400, `Unable to infer object type from: ${t}`);
  return t as ObjectType;
}

function parseLimit(raw: unknown, max: number): number {
  if (raw === undefined) return 10;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new SimError(400, `limit must be a positive integer, got ${String(raw)}`);
  if (n > max) throw new SimError(400, `limit must be less than or equal to ${max}, got ${n}`);
  return n;
}

/** `properties` arrives comma-separated, repeated, or both. */
function propertyList(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]).flatMap((p) => String(p).split(',')).map((p) => p.trim()).filter(Boolean);
}

// The list cursor is opaque to clients, as HubSpot's is: it encodes the last id of the page.
function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

function decodeCursor(after: unknown): number {
  const m = /^id:(\d+)$/.exec(Buffer.from(String(after), 'base64url').toString('utf8'));
  if (!m) throw new SimError(400, `Invalid paging cursor: ${String(after)}`);
  return Number(m[1]);
}

/** The shape HubSpot has answered duplicate contact emails with since late 2023. */
function conflict(existingId: string, email: string): SimResponse {
  return hubspotError(409, `Contact already exists. Existing ID: ${existingId}`, 'OBJECT_ALREADY_EXISTS', {
    error: 'CONTACT_EXISTS',
    errors: [{ message: `A contact with email ${email} already exists. Existing ID: ${existingId}`, in: 'email' }],
  });
}
