import { createHmac } from 'node:crypto';
import { UpstreamError, type PluginContext, type SyncDefinition, type UnifiedModel } from '../../core/plugin-sdk';
import { fetchAllPages, pluginTestContext, type PluginTestContext } from '../../core/plugin-sdk/testing';
import type { HubspotObject } from './hubspot.client';
import plugin from './index';
import { signHubspotWebhook, startSimulator, type HubspotSimulator } from './simulator/hubspot.simulator';
import { companiesSync as companies } from './syncs/companies.sync';
import { contactsSync as contacts } from './syncs/contacts.sync';
import { dealsSync as deals } from './syncs/deals.sync';

const { create_contact, update_contact, update_deal, get_contact } = plugin.actions;

interface TokenResponse { access_token: string; refresh_token: string; expires_in: number; token_type: string }

async function control(sim: HubspotSimulator, name: string, body: unknown): Promise<any> {
  const res = await fetch(`${sim.url}/__sim/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${name}: ${res.status} ${await res.text()}`);
  return res.json();
}

const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();

describe('HubSpot plugin against its simulator', () => {
  let sim: HubspotSimulator;
  let ctx: PluginTestContext;

  beforeAll(async () => {
    sim = await startSimulator();
    ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
  });
  afterAll(async () => {
    await ctx.close();
    await sim.close();
  });

  it('walks every contact, company and deal exactly once, 100 to a page', async () => {
    expect(plugin.entities).toEqual({ contacts, companies, deals });
    for (const [sync, seeded] of [[contacts, 300], [companies, 80], [deals, 150]] as const) {
      const { records, pages } = await fetchAllPages<HubspotObject>(sync, ctx);
      expect(records).toHaveLength(seeded);
      expect(new Set(records.map((r) => sync.externalId(r))).size).toBe(seeded);
      expect(pages).toBe(Math.ceil(seeded / 100));
      for (const r of records) expect(r.id).toMatch(/^\d+$/);
    }
  });

  it('maps HubSpot properties onto the unified models', async () => {
    const before = new Date();
    const made = await create_contact.run(ctx, create_contact.input.parse({
      email: 'grace@navy.example', firstname: 'Grace', lastname: 'Hopper', phone: '+1 555 0100', company: 'US Navy',
    }));
    const [synced] = (await fetchAllPages(contacts, ctx, before)).records;
    expect(synced.id).toBe(made.id);
    expect(contacts.toUnified(synced)).toEqual({ email: 'grace@navy.example', firstName: 'Grace', lastName: 'Hopper', phone: '+1 555 0100', companyName: 'US Navy' });
    expect(contacts.remoteUpdatedAt(synced)!.getTime()).toBeGreaterThanOrEqual(before.getTime());

    const { records: dealRecords } = await fetchAllPages(deals, ctx);
    for (const raw of dealRecords) {
      const d = deals.toUnified(raw);
      expect(d.amount).toBe(Number(raw.properties.amount));
      expect(d.amount).toBeGreaterThan(0);
      expect(['USD', 'EUR', 'GBP']).toContain(d.currency);
      expect(Number.isNaN(Date.parse(d.closeDate!))).toBe(false);
      expect(d.name).toBe(raw.properties.dealname);
    }
    const [company] = (await fetchAllPages(companies, ctx)).records;
    expect(companies.toUnified(company)).toEqual({
      name: company.properties.name, domain: company.properties.domain, industry: company.properties.industry, phone: null,
    });
    expect(company.properties.domain).toMatch(/\.example\.com$/);
  });

  it('returns only what changed since the checkpoint, and what was archived since as deletedIds', async () => {
    const archivedEarlier = (await control(sim, 'archive', { objectType: 'contacts', count: 1 })).ids as string[];
    await new Promise((r) => setTimeout(r, 5)); // so that archive is strictly before the checkpoint
    const since = new Date();
    const archived = (await control(sim, 'archive', { objectType: 'contacts', count: 3 })).ids as string[];
    const touched = (await control(sim, 'touch', { objectType: 'contacts', count: 7 })).ids as string[];
    expect(touched.some((id) => archived.includes(id))).toBe(false);
    const deletedThroughApi = (await create_contact.run(ctx, { email: 'short-lived@example.org' })).id;
    expect((await ctx.http.request({ method: 'DELETE', path: `/crm/v3/objects/contacts/${deletedThroughApi}` })).status).toBe(204);
    archived.push(deletedThroughApi);

    const run = await fetchAllPages(contacts, ctx, since);
    expect(ids(run.records)).toEqual([...touched].sort());
    expect(run.deletedIds.sort()).toEqual([...archived].sort());
    expect(run.deletedIds).not.toContain(archivedEarlier[0]);
    for (const r of run.records) expect(Date.parse(r.properties.lastmodifieddate!)).toBeGreaterThanOrEqual(since.getTime());

    // deals filter on hs_lastmodifieddate, not lastmodifieddate
    const dealsSince = new Date();
    const won = (await control(sim, 'touch', { objectType: 'deals', count: 4, properties: { dealstage: 'closedwon' } })).ids as string[];
    const dealRun = await fetchAllPages(deals, ctx, dealsSince);
    expect(ids(dealRun.records)).toEqual([...won].sort());
    expect(dealRun.records.map((r) => deals.toUnified(r).stage)).toEqual(['closedwon', 'closedwon', 'closedwon', 'closedwon']);
    expect(dealRun.deletedIds).toEqual([]);
  });

  it('checks the connection: the portal id when the token is good, the reason when it is not', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: String(sim.portalId) });
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { accessToken: 'pat-na1-00000000-0000-0000-0000-000000000000' } });
    try {
      const result = await plugin.checkConnection(bad);
      expect(result.ok).toBe(false);
      expect(result.detail).toMatch(/^Authentication credentials not found/);
    } finally {
      await bad.close();
    }
  });

  it('works over OAuth with a token from the token endpoint, and refreshes it', async () => {
    const { clientId, clientSecret } = sim.oauthClient;
    const redirectUri = 'https://plugboard.example/oauth/callback';
    const oauth = plugin.auth.find((a) => a.kind === 'oauth2')!;
    const scope = oauth.kind === 'oauth2' ? oauth.scopes.join(' ') : '';
    const consent = await fetch(`${sim.url}/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, scope, state: 's1' })}`, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get('location')!);
    expect(callback.searchParams.get('state')).toBe('s1');
    const code = callback.searchParams.get('code')!;

    const token = (form: Record<string, string>) =>
      fetch(`${sim.url}/oauth/v1/token`, { method: 'POST', body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...form }) });
    const issued = (await (await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri })).json()) as TokenResponse;
    expect(issued).toMatchObject({ token_type: 'bearer', expires_in: 1800 });

    const oauthCtx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { accessToken: issued.access_token }, authKind: 'oauth2' });
    try {
      await expect(plugin.checkConnection(oauthCtx)).resolves.toEqual({ ok: true, account: String(sim.portalId) });
      expect((await fetchAllPages(companies, oauthCtx)).records).toHaveLength(80);
    } finally {
      await oauthCtx.close();
    }

    const refreshed = (await (await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token })).json()) as TokenResponse;
    expect(refreshed.access_token).not.toBe(issued.access_token);
    const refreshedCtx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { accessToken: refreshed.access_token }, authKind: 'oauth2' });
    try {
      expect((await plugin.checkConnection(refreshedCtx)).ok).toBe(true);
    } finally {
      await refreshedCtx.close();
    }

    const reused = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ status: 'BAD_AUTH_CODE' });

    const revoked = await fetch(`${sim.url}/oauth/v1/refresh-tokens/${issued.refresh_token}`, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: issued.refresh_token })).json()).toMatchObject({ status: 'BAD_REFRESH_TOKEN' });
  });

  it('creates a contact, and surfaces a duplicate email as a 409 UpstreamError', async () => {
    const input = create_contact.input.parse({ email: 'ada@analytical.example', firstname: 'Ada' });
    const made = create_contact.output.parse(await create_contact.run(ctx, input));
    expect(made.id).toMatch(/^\d+$/);
    expect(made.properties).toMatchObject({ email: 'ada@analytical.example', firstname: 'Ada', hs_object_id: made.id });

    const err = await create_contact.run(ctx, create_contact.input.parse({ email: 'ADA@analytical.example' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(409);
    expect((err as UpstreamError).body).toMatchObject({ status: 'error', message: `Contact already exists. Existing ID: ${made.id}` });
    expect(create_contact.input.safeParse({ email: 'not-an-email' }).success).toBe(false);
  });

  it('reads a contact by id or by email', async () => {
    const made = await create_contact.run(ctx, create_contact.input.parse({ email: 'alan@bletchley.example', lastname: 'Turing' }));
    const byEmail = get_contact.output.parse(await get_contact.run(ctx, get_contact.input.parse({ email: 'alan@bletchley.example' })));
    const byId = await get_contact.run(ctx, get_contact.input.parse({ contactId: made.id }));
    expect(byEmail.id).toBe(made.id);
    expect(byId.properties.lastname).toBe('Turing');
    expect(get_contact.input.safeParse({}).success).toBe(false);
    const missing = await get_contact.run(ctx, { contactId: '999999999' }).catch((e: unknown) => e);
    expect((missing as UpstreamError).status).toBe(404);
  });

  it('updates a deal, which the next incremental run picks up', async () => {
    const [deal] = (await fetchAllPages(deals, ctx)).records;
    const since = new Date();
    const updated = await update_deal.run(ctx, update_deal.input.parse({ dealId: deal.id, amount: 999, dealstage: 'contractsent' }));
    expect(updated.properties).toMatchObject({ amount: '999', dealstage: 'contractsent' });
    const run = await fetchAllPages(deals, ctx, since);
    expect(ids(run.records)).toEqual([deal.id]);
    expect(deals.toUnified(run.records[0])).toMatchObject({ amount: 999, stage: 'contractsent' });
    expect(update_deal.input.safeParse({ dealId: deal.id }).success).toBe(false);
  });

  it('updates a contact and clears a property with null', async () => {
    const made = await create_contact.run(ctx, create_contact.input.parse({ email: `upd-${Date.now()}@example.com`, firstname: 'Old', phone: '+1 555 0100' }));
    const updated = await update_contact.run(ctx, update_contact.input.parse({ contactId: made.id, firstname: 'New', phone: null }));
    expect(updated.properties).toMatchObject({ firstname: 'New', phone: null });
    const read = await get_contact.run(ctx, { contactId: made.id });
    expect(read.properties).toMatchObject({ firstname: 'New', phone: null });
    expect(update_contact.input.safeParse({ contactId: made.id }).success).toBe(false);
    expect(update_contact.input.safeParse({ contactId: 'abc', firstname: 'x' }).success).toBe(false);
  });

  it('is held to HubSpot limits: list pages of at most 100, search pages of at most 200', async () => {
    for (const call of [
      () => ctx.http.get('/crm/v3/objects/contacts', { limit: 101 }),
      () => ctx.http.request({ method: 'POST', path: '/crm/v3/objects/deals/search', json: { limit: 201 } }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).status).toBe(400);
      expect((err as UpstreamError).body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    }
    const page = await ctx.http.get<{ results: unknown[] }>('/crm/v3/objects/contacts', { limit: 100 });
    expect(page.results).toHaveLength(100);
  });

  it('returns the default properties unless the request names some', async () => {
    const plain = await ctx.http.get<{ results: HubspotObject[] }>('/crm/v3/objects/contacts', { limit: 1 });
    expect(Object.keys(plain.results[0].properties).sort()).toEqual(['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
    const chosen = await ctx.http.get<{ results: HubspotObject[] }>('/crm/v3/objects/contacts', { limit: 1, properties: 'phone,company' });
    expect(Object.keys(chosen.results[0].properties).sort()).toEqual(['company', 'createdate', 'hs_object_id', 'lastmodifieddate', 'phone']);
  });

  it('parses a webhook batch and routes it by portal', () => {
    const batch = [
      { eventId: 100, subscriptionId: 7, portalId: sim.portalId, appId: 1, occurredAt: 1_764_000_000_000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: 123, propertyName: 'email', propertyValue: 'x@y.example', changeSource: 'CRM' },
      { eventId: 101, subscriptionId: 8, portalId: sim.portalId, appId: 1, occurredAt: 1_764_000_000_500, subscriptionType: 'deal.creation', attemptNumber: 0, objectId: 456, changeFlag: 'NEW' },
    ];
    expect(plugin.webhooks!.routingKey!(batch, {})).toBe(String(sim.portalId));
    const [change, creation] = plugin.webhooks!.parse(batch, {});
    expect(change).toEqual({ id: '100', type: 'contact.propertyChange', occurredAt: new Date(1_764_000_000_000), entity: 'contacts', externalIds: ['123'], data: batch[0] });
    expect(creation).toMatchObject({ id: '101', type: 'deal.creation', entity: 'deals', externalIds: ['456'] });
    expect(plugin.webhooks!.routingKey!({ not: 'a batch' }, {})).toBeNull();
    expect(() => plugin.webhooks!.parse([{ eventId: 'x' }], {})).toThrow();
  });

  it('signs webhooks the v3 way for later end-to-end tests', () => {
    const body = '[{"eventId":1}]';
    const headers = signHubspotWebhook({ clientSecret: 'secret', method: 'POST', uri: 'https://hooks.example/hubspot', body, timestamp: 1_700_000_000_000 });
    const expected = createHmac('sha256', 'secret').update(`POSThttps://hooks.example/hubspot${body}1700000000000`).digest('base64');
    expect(headers).toEqual({ 'x-hubspot-signature-v3': expected, 'x-hubspot-request-timestamp': '1700000000000' });
  });

  it('loads its simulator lazily through the manifest', async () => {
    const mod = await plugin.simulator!();
    expect(mod.startSimulator).toBe(startSimulator);
  });
});

describe('HubSpot plugin under injected 429s', () => {
  it('survives through retries and still returns every record once', async () => {
    const sim = await startSimulator({ seed: 250 });
    const ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials, policy: { maxAttempts: 10 } });
    try {
      await control(sim, 'faults', { rate429: 0.3, retryAfterSeconds: 0 });
      const before = (await control(sim, 'calls', {})).count as number;
      for (let round = 0; round < 10; round++) {
        const { records, pages } = await fetchAllPages(contacts, ctx);
        expect(pages).toBe(3);
        expect(new Set(ids(records)).size).toBe(250);
        expect(records).toHaveLength(250);
      }
      // 30 pages were asked for; the answers beyond that were 429s the client retried
      expect((await control(sim, 'calls', {})).count - before).toBeGreaterThan(30);
    } finally {
      await ctx.close();
      await sim.close();
    }
  });
});

describe('HubSpot simulator rate limit', () => {
  it('allows 100 calls per 10 s window and answers the next with HubSpot 429', async () => {
    const sim = await startSimulator({ seed: 1 });
    const get = () => fetch(`${sim.url}/account-info/v3/details`, { headers: { authorization: `Bearer ${sim.credentials.accessToken}` } });
    try {
      const ok = await Promise.all(Array.from({ length: 100 }, get));
      expect(ok.map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(ok[0].headers.get('x-hubspot-ratelimit-max')).toBe('100');
      expect(ok[0].headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
      const limited = await get();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    } finally {
      await sim.close();
    }
  });
});

describe('HubSpot incremental runs past the 10,000-result search cap', () => {
  it('restarts the search window instead of paging past the cap', async () => {
    const sim = await startSimulator({ seed: 10_500 });
    const ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
    try {
      const beyond = await ctx.http.request({ method: 'POST', path: '/crm/v3/objects/contacts/search', json: { limit: 100, after: '10000' } }).catch((e: unknown) => e);
      expect((beyond as UpstreamError).status).toBe(400);

      const run = await fetchAllPages(contacts, ctx, new Date(0));
      expect(new Set(ids(run.records)).size).toBe(10_500);
      // only the record a window restarts from comes twice
      expect(run.records.length).toBeLessThanOrEqual(10_501);
    } finally {
      await ctx.close();
      await sim.close();
    }
  }, 60_000);
});
