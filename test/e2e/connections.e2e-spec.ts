import type { RunningSimulator } from '../../src/core/plugin-sdk';
import { EventBus, type PlatformEvent } from '../../src/core/events';
import { RequestContext, type Principal } from '../../src/core/tenancy';
import { VaultService } from '../../src/core/vault';
import { ConnectionAccess, ConnectionNeedsReauthError, ConnectionsService } from '../../src/integrations/connections';
import hubspot from '../../src/plugins/hubspot';
import stripe from '../../src/plugins/stripe';
import { createTestDatabase, createTestRedisPrefix, sql, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

type HubspotSim = RunningSimulator & { oauthClient: { clientId: string; clientSecret: string } };

const STRIPE_KEY_FIELD = 'secretKey';

function principal(tenantId: string): Principal {
  return { kind: 'system', tenantId, actorId: 'test', role: 'owner', scopes: ['admin'], plan: 'free', rateLimit: 60 };
}

async function simCount(sim: RunningSimulator, path: string): Promise<number> {
  const res = await fetch(`${sim.url}/__sim/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path }) });
  return ((await res.json()) as { count: number }).count;
}

describe('connections', () => {
  const savedEnv = { ...process.env };
  let stripeSim: RunningSimulator;
  let hubspotSim: HubspotSim;
  let db: TestDatabase;
  const redis = createTestRedisPrefix('connections');
  let t: TestApp;
  let owner: TenantSession;
  let stripeKey: string;

  beforeAll(async () => {
    stripeSim = await (await stripe.simulator!()).startSimulator();
    hubspotSim = (await (await hubspot.simulator!()).startSimulator({ seed: 5 })) as HubspotSim;
    stripeKey = stripeSim.credentials[STRIPE_KEY_FIELD];
    // base URLs and the platform-wide OAuth app come from the environment, as in production
    Object.assign(process.env, {
      PLUGIN_STRIPE_BASE_URL: stripeSim.url,
      PLUGIN_HUBSPOT_BASE_URL: hubspotSim.url,
      PLUGIN_HUBSPOT_CLIENT_ID: hubspotSim.oauthClient.clientId,
      PLUGIN_HUBSPOT_CLIENT_SECRET: hubspotSim.oauthClient.clientSecret,
    });
    db = await createTestDatabase('connections');
    t = await startTestApp({ db, redisPrefix: redis.prefix });
    owner = await t.signup('conn-owner');
  });

  afterAll(async () => {
    await t.close();
    await db.drop();
    await redis.purge();
    await stripeSim.close();
    await hubspotSim.close();
    process.env = savedEnv;
  });

  const asTenant = <T>(app: TestApp, tenantId: string, fn: () => Promise<T>) => app.app.get(RequestContext).runAsTenant(principal(tenantId), fn);

  /** what the vault holds for a connection (tokens included) */
  const vaultOf = (connectionId: string) => asTenant(t, owner.tenantId, async () => {
    const [{ vault_entry_id: v }] = await sql<{ vault_entry_id: string }>(db, 'SELECT vault_entry_id FROM connections WHERE id = $1', [connectionId]);
    return { entryId: v, secret: await t.app.get(VaultService).get(v) };
  });

  function createStripe(name: string, key = stripeKey) {
    return t.http().post('/api/v1/connections').set(owner.auth).send({ plugin: 'stripe', name, credentials: { secretKey: key } });
  }

  describe('API-key connections (Stripe simulator)', () => {
    let id: string;

    it('creates a connection, checks it against the platform and keeps the secret out of every answer and the database', async () => {
      const created = await createStripe('Stripe main').expect(201);
      id = created.body.id;
      expect(created.body).toMatchObject({ plugin: 'stripe', name: 'Stripe main', authKind: 'api_key', status: 'healthy', check: { ok: true } });
      expect(created.body.check.latencyMs).toEqual(expect.any(Number));
      expect(created.body.credentials.secretKey).toBe(`••••${stripeKey.slice(-4)}`);

      const list = await t.http().get('/api/v1/connections').set(owner.auth).expect(200);
      const one = await t.http().get(`/api/v1/connections/${id}`).set(owner.auth).expect(200);
      expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([id]);
      expect(one.body.settings).toEqual({});
      for (const res of [created, list, one]) expect(res.text).not.toContain(stripeKey);

      const rows = await sql<{ row: string }>(db, 'SELECT c::text AS row FROM connections c UNION ALL SELECT v::text FROM vault_entries v');
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.some((r) => r.row.includes(stripeKey))).toBe(false);
    });

    it('answers 400 naming the field for an unknown plugin, a missing or unknown credential, and a base URL', async () => {
      const bad = async (body: Record<string, unknown>) =>
        (await t.http().post('/api/v1/connections').set(owner.auth).send(body).expect(400)).body.errors.map((e: { field: string }) => e.field);
      expect(await bad({ plugin: 'nope', name: 'x', credentials: {} })).toEqual(['plugin']);
      expect(await bad({ plugin: 'stripe', name: 'x', credentials: {} })).toEqual(['credentials.secretKey']);
      expect(await bad({ plugin: 'stripe', name: 'x', credentials: { secretKey: stripeKey, bogus: '1' } })).toEqual(['credentials.bogus']);
      expect(await bad({ plugin: 'stripe', name: 'x', credentials: { secretKey: 42 } })).toEqual(['credentials.secretKey']);
      // the base URL is an operator's setting: the tenant API does not take it
      expect(await bad({ plugin: 'stripe', name: 'x', credentials: { secretKey: stripeKey }, baseUrl: 'http://evil.example' })).toEqual(['baseUrl']);
      expect(await bad({ plugin: 'stripe', name: 'x', credentials: { secretKey: stripeKey }, settings: { n: 1 } })).toEqual(['settings']);
      await createStripe('Stripe main').expect(409);
    });

    it('tests the connection; a rotated wrong key moves it to needs_reauth and the right one back to healthy, with the history listed', async () => {
      const ok = await t.http().post(`/api/v1/connections/${id}/test`).set(owner.auth).expect(200);
      expect(ok.body).toMatchObject({ ok: true, account: expect.any(String), detail: null });
      expect(ok.body.latencyMs).toBeGreaterThanOrEqual(0);

      const wrongKey = 'sk_test_51WrongWrongWrongWrongWrong000';
      const rotated = await t.http().patch(`/api/v1/connections/${id}`).set(owner.auth).send({ credentials: { secretKey: wrongKey } }).expect(200);
      expect(rotated.body).toMatchObject({ status: 'needs_reauth', check: { ok: false } });
      expect(rotated.body.check.detail).toMatch(/Invalid API Key/);
      const failed = await t.http().post(`/api/v1/connections/${id}/test`).set(owner.auth).expect(200);
      expect(failed.body.ok).toBe(false);

      await t.http().patch(`/api/v1/connections/${id}`).set(owner.auth).send({ credentials: { secretKey: stripeKey }, name: 'Stripe renamed', settings: { region: 'eu' } }).expect(200);
      const now = (await t.http().get(`/api/v1/connections/${id}`).set(owner.auth).expect(200)).body;
      expect(now).toMatchObject({ status: 'healthy', name: 'Stripe renamed', settings: { region: 'eu' } });

      const history = (await t.http().get(`/api/v1/connections/${id}/transitions`).set(owner.auth).expect(200)).body.data;
      expect(history.map((h: { from: string | null; to: string }) => `${h.from}->${h.to}`)).toEqual(['null->healthy', 'healthy->needs_reauth', 'needs_reauth->healthy']);
      expect(history[1].reason).toMatch(/Invalid API Key/);
    });

    it('gives ConnectionAccess an authenticated client for the connection', async () => {
      const opened = await asTenant(t, owner.tenantId, () => t.app.get(ConnectionAccess).open(id));
      expect(opened.plugin.name).toBe('stripe');
      const account = await opened.context.http.get<{ id: string }>('/v1/account');
      expect(account.id).toEqual(expect.any(String));
      await expect(asTenant(t, owner.tenantId, () => t.app.get(ConnectionAccess).open('00000000-0000-4000-8000-000000000000'))).rejects.toThrow(/no connection/);
    });

    it("sends an operator-overridden connection's calls to its own base URL", async () => {
      const sandbox = (await (await stripe.simulator!()).startSimulator({ seed: 1 })) as RunningSimulator & { calls: readonly unknown[] };
      try {
        const service = t.app.get(ConnectionsService);
        await asTenant(t, owner.tenantId, () => service.setBaseUrl(id, `${sandbox.url}/`));
        const opened = await asTenant(t, owner.tenantId, () => t.app.get(ConnectionAccess).open(id));
        await opened.context.http.get('/v1/account');
        expect(sandbox.calls).toHaveLength(1);
        await asTenant(t, owner.tenantId, () => service.setBaseUrl(id, null));
      } finally {
        await sandbox.close();
      }
    });

    it('lets members read but not change connections', async () => {
      const email = `member-${Date.now()}@example.test`;
      await t.setPlan(owner.tenantId, 'starter'); // Free allows one user
      await t.http().post('/api/v1/users').set(owner.auth).send({ email, password: 'member password 1', role: 'member' }).expect(201);
      const token = (await t.http().post('/api/v1/auth/login').send({ email, password: 'member password 1' }).expect(200)).body.accessToken;
      const member = { Authorization: `Bearer ${token}` };
      await t.http().get('/api/v1/connections').set(member).expect(200);
      await t.http().get(`/api/v1/connections/${id}/transitions`).set(member).expect(200);
      await t.http().post('/api/v1/connections').set(member).send({ plugin: 'stripe', name: 'm', credentials: { secretKey: stripeKey } }).expect(403);
      await t.http().delete(`/api/v1/connections/${id}`).set(member).expect(403);
    });

    it('deletes the connection and its credentials and announces it with the purge choice', async () => {
      const events: PlatformEvent[] = [];
      const off = t.app.get(EventBus).on('connection.deleted', (e) => void events.push(e));
      const [{ vault_entry_id: vaultId }] = await sql<{ vault_entry_id: string }>(db, 'SELECT vault_entry_id FROM connections WHERE id = $1', [id]);
      const res = await t.http().delete(`/api/v1/connections/${id}?purge=true`).set(owner.auth).expect(200);
      off();
      expect(res.body).toEqual({ id, purge: true, revocation: 'not_supported' });
      await t.http().get(`/api/v1/connections/${id}`).set(owner.auth).expect(404);
      expect(await sql(db, 'SELECT 1 FROM vault_entries WHERE id = $1', [vaultId])).toHaveLength(0);
      expect(await sql(db, 'SELECT 1 FROM connection_transitions WHERE connection_id = $1', [id])).toHaveLength(0);
      expect(events).toEqual([expect.objectContaining({ type: 'connection.deleted', tenantId: owner.tenantId, data: expect.objectContaining({ connectionId: id, purge: true }) })]);
      await t.http().delete(`/api/v1/connections/${id}?purge=maybe`).set(owner.auth).expect(400);
    });
  });

  describe('OAuth (HubSpot simulator)', () => {
    let id: string;
    const redirectUri = () => `${t.url}/oauth/callback`;

    async function authorize(name: string): Promise<{ state: string; code: string }> {
      const start = await t.http().get('/api/v1/connections/oauth/hubspot/start').query({ name, redirectUri: redirectUri() }).set(owner.auth).expect(200);
      const url = new URL(start.body.authorizeUrl);
      expect(url.origin).toBe(hubspotSim.url);
      expect(url.searchParams.get('client_id')).toBe(hubspotSim.oauthClient.clientId);
      expect(url.searchParams.get('state')).toBe(start.body.state);
      // the simulator approves at once and redirects back with the code
      const approved = await fetch(start.body.authorizeUrl, { redirect: 'manual' });
      expect(approved.status).toBe(302);
      const back = new URL(approved.headers.get('location')!);
      expect(`${back.origin}${back.pathname}`).toBe(redirectUri());
      return { state: back.searchParams.get('state')!, code: back.searchParams.get('code')! };
    }

    it('connects through start, the authorize page and the callback; a reused state is refused and stores nothing', async () => {
      const { state, code } = await authorize('HubSpot portal');
      const done = await t.http().get('/oauth/callback').query({ code, state }).expect(200);
      id = done.body.id;
      expect(done.body).toMatchObject({ plugin: 'hubspot', name: 'HubSpot portal', authKind: 'oauth2', status: 'healthy', check: { ok: true, account: '62515' } });
      expect(new Date(done.body.tokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
      expect(JSON.stringify(done.body)).not.toMatch(/accessToken|refreshToken/);

      const before = await sql(db, 'SELECT 1 FROM connections');
      const reused = await t.http().get('/oauth/callback').query({ code, state }).expect(400);
      expect(reused.body.detail).toMatch(/state/);
      await t.http().get('/oauth/callback').query({ code, state: 'made-up' }).expect(400);
      expect(await sql(db, 'SELECT 1 FROM connections')).toHaveLength(before.length);

      // tokens live only in the vault
      const { secret } = await vaultOf(id);
      const dump = (await sql<{ row: string }>(db, 'SELECT c::text AS row FROM connections c UNION ALL SELECT s::text FROM oauth_states s')).map((r) => r.row).join('\n');
      expect(dump).not.toContain(secret.accessToken);
      expect(dump).not.toContain(secret.refreshToken);
      expect(dump).not.toContain(state);
    });

    it('refuses an expired state', async () => {
      const { state, code } = await authorize('HubSpot late');
      await sql(db, "UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
      await t.http().get('/oauth/callback').query({ code, state }).expect(400);
    });

    const expire = () => sql(db, "UPDATE connections SET token_expires_at = now() - interval '1 minute' WHERE id = $1", [id]);
    const callMany = (app: TestApp, n: number) =>
      Array.from({ length: n }, () => asTenant(app, owner.tenantId, async () => {
        const opened = await app.app.get(ConnectionAccess).open(id);
        return opened.context.http.get<{ portalId: number }>('/account-info/v3/details');
      }));

    it('refreshes an expiring token once for twenty concurrent callers', async () => {
      await expire();
      const before = await simCount(hubspotSim, '/oauth/v1/token');
      const results = await Promise.all(callMany(t, 20));
      expect(results.every((r) => r.portalId === 62515)).toBe(true);
      expect(await simCount(hubspotSim, '/oauth/v1/token')).toBe(before + 1);
      const [{ token_expires_at: at }] = await sql<{ token_expires_at: Date }>(db, 'SELECT token_expires_at FROM connections WHERE id = $1', [id]);
      expect(at.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    });

    it('refreshes once across two processes sharing the database and Redis', async () => {
      const other = await startTestApp({ db, redisPrefix: redis.prefix });
      try {
        await expire();
        const before = await simCount(hubspotSim, '/oauth/v1/token');
        const results = await Promise.all([...callMany(t, 10), ...callMany(other, 10)]);
        expect(results).toHaveLength(20);
        expect(await simCount(hubspotSim, '/oauth/v1/token')).toBe(before + 1);
      } finally {
        await other.close();
      }
    });

    it('refreshes and retries once when the platform refuses a token it has not expired yet', async () => {
      const { entryId, secret } = await vaultOf(id);
      await asTenant(t, owner.tenantId, () => t.app.get(VaultService).replace(entryId, { ...secret, accessToken: 'revoked-by-the-platform' }));
      const before = await simCount(hubspotSim, '/oauth/v1/token');
      const [result] = await Promise.all(callMany(t, 1));
      expect(result.portalId).toBe(62515);
      expect(await simCount(hubspotSim, '/oauth/v1/token')).toBe(before + 1);
    });

    it('moves the connection to needs_reauth and announces it when the refresh token is revoked', async () => {
      const { refreshToken } = (await vaultOf(id)).secret;
      expect((await fetch(`${hubspotSim.url}/oauth/v1/refresh-tokens/${refreshToken}`, { method: 'DELETE' })).status).toBe(204);
      await expire();
      const events: PlatformEvent[] = [];
      const off = t.app.get(EventBus).on('connection.needs_reauth', (e) => void events.push(e));
      const outcomes = await Promise.allSettled(callMany(t, 3));
      off();
      expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof ConnectionNeedsReauthError)).toBe(true);
      expect(events).toEqual([expect.objectContaining({ tenantId: owner.tenantId, data: expect.objectContaining({ connectionId: id, plugin: 'hubspot', reason: expect.stringMatching(/refused/) }) })]);
      const now = (await t.http().get(`/api/v1/connections/${id}`).set(owner.auth).expect(200)).body;
      expect(now.status).toBe('needs_reauth');
      const history = (await t.http().get(`/api/v1/connections/${id}/transitions`).set(owner.auth).expect(200)).body.data;
      expect(history.at(-1)).toMatchObject({ from: 'healthy', to: 'needs_reauth' });
    });

    it('revokes the refresh token at the platform on delete', async () => {
      const { state, code } = await authorize('HubSpot second');
      const second = (await t.http().get('/oauth/callback').query({ code, state }).expect(200)).body.id;
      const { refreshToken } = (await vaultOf(second)).secret;
      const res = await t.http().delete(`/api/v1/connections/${second}`).set(owner.auth).expect(200);
      expect(res.body).toEqual({ id: second, purge: false, revocation: 'revoked' });
      // the platform no longer knows the token
      expect((await fetch(`${hubspotSim.url}/oauth/v1/refresh-tokens/${refreshToken}`, { method: 'DELETE' })).status).toBe(404);
    });
  });
});
