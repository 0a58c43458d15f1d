import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

describe('auth, API keys and the gateway', () => {
  let t: TestApp;
  let owner: TenantSession;

  beforeAll(async () => {
    t = await startTestApp({ label: 'auth' });
    owner = await t.signup('acme');
  });
  afterAll(() => t.close());

  describe('signup, login, refresh', () => {
    it('creates a tenant with its owner and returns tokens', async () => {
      const me = await t.http().get('/api/v1/me').set(owner.auth).expect(200);
      expect(me.body).toMatchObject({ kind: 'user', actorId: owner.userId, role: 'owner', tenant: { id: owner.tenantId, plan: 'free', rateLimitPerMinute: 60 } });
    });

    it('logs in with the password and refuses a wrong one without saying which part was wrong', async () => {
      const ok = await t.http().post('/api/v1/auth/login').send({ email: owner.email, password: owner.password }).expect(200);
      expect(ok.body.accessToken).toEqual(expect.any(String));
      const bad = await t.http().post('/api/v1/auth/login').send({ email: owner.email, password: 'not the password' }).expect(401);
      const unknown = await t.http().post('/api/v1/auth/login').send({ email: 'nobody@example.test', password: 'not the password' }).expect(401);
      expect(bad.body.detail).toEqual(unknown.body.detail);
    });

    it('rotates refresh tokens and revokes the family when an old one is replayed', async () => {
      const s = await t.signup('refresh');
      const first = await t.http().post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken }).expect(200);
      expect(first.body.refreshToken).not.toEqual(s.refreshToken);
      await t.http().post('/api/v1/auth/refresh').send({ refreshToken: s.refreshToken }).expect(401);
      // the replay burnt the whole family, including the token issued after it
      await t.http().post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401);
    });

    it('refuses a duplicate signup email with 409 naming the field', async () => {
      const res = await t.http().post('/api/v1/auth/signup').send({ email: owner.email, password: 'another long password', tenantName: 'dup' }).expect(409);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    });

    it('rejects missing, malformed and tampered tokens with 401 problem+json', async () => {
      const none = await t.http().get('/api/v1/me').expect(401);
      expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
      await t.http().get('/api/v1/me').set('Authorization', 'Bearer not-a-jwt').expect(401);
      const [h, p] = owner.accessToken.split('.');
      await t.http().get('/api/v1/me').set('Authorization', `Bearer ${h}.${p}.${'A'.repeat(43)}`).expect(401);
    });
  });

  describe('API keys', () => {
    it('shows the secret once, stores only its hash, and works as Bearer and X-API-Key', async () => {
      const created = await t.http().post('/api/v1/api-keys').set(owner.auth).send({ name: 'ci', scopes: ['read'] }).expect(201);
      const key: string = created.body.key;
      expect(key).toMatch(/^pb_/);
      expect(created.body.prefix).toEqual(key.slice(0, 10));
      const list = await t.http().get('/api/v1/api-keys').set(owner.auth).expect(200);
      expect(JSON.stringify(list.body)).not.toContain(key);
      expect(list.body.data.find((k: { id: string }) => k.id === created.body.id).lastUsedAt).toBeNull();

      const viaBearer = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${key}`).expect(200);
      expect(viaBearer.body).toMatchObject({ kind: 'api_key', scopes: ['read'], tenant: { id: owner.tenantId } });
      await t.http().get('/api/v1/me').set('X-API-Key', key).expect(200);

    });

    it('enforces scopes: a read key cannot write', async () => {
      const { body } = await t.http().post('/api/v1/api-keys').set(owner.auth).send({ name: 'ro', scopes: ['read'] }).expect(201);
      const res = await t.http().post('/api/v1/api-keys').set('X-API-Key', body.key).send({ name: 'x', scopes: ['read'] }).expect(403);
      expect(res.body.detail).toMatch(/scope/);
    });

    it('revokes and rotates', async () => {
      const a = (await t.http().post('/api/v1/api-keys').set(owner.auth).send({ name: 'rot', scopes: ['read', 'write'] }).expect(201)).body;
      await t.http().get('/api/v1/me').set('X-API-Key', a.key).expect(200);
      const b = (await t.http().post(`/api/v1/api-keys/${a.id}/rotate`).set(owner.auth).expect(201)).body;
      expect(b.key).not.toEqual(a.key);
      expect(b.scopes).toEqual(['read', 'write']);
      await t.http().get('/api/v1/me').set('X-API-Key', a.key).expect(401);
      await t.http().get('/api/v1/me').set('X-API-Key', b.key).expect(200);
      await t.http().delete(`/api/v1/api-keys/${b.id}`).set(owner.auth).expect(204);
      await t.http().get('/api/v1/me').set('X-API-Key', b.key).expect(401);
      await t.http().delete(`/api/v1/api-keys/${b.id}`).set(owner.auth).expect(404);
    });

    it('records last use', async () => {
      const k = (await t.http().post('/api/v1/api-keys').set(owner.auth).send({ name: 'used', scopes: ['read'] }).expect(201)).body;
      await t.http().get('/api/v1/me').set('X-API-Key', k.key).expect(200);
      let lastUsedAt: string | null = null;
      for (let i = 0; i < 20 && !lastUsedAt; i++) {
        const list = await t.http().get('/api/v1/api-keys').set(owner.auth).expect(200);
        lastUsedAt = list.body.data.find((x: { id: string }) => x.id === k.id).lastUsedAt;
        if (!lastUsedAt) await new Promise((r) => setTimeout(r, 50));
      }
      expect(new Date(lastUsedAt!).getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

    it('only owners and admins manage keys', async () => {
      const member = { email: `member-${Date.now()}@example.test`, password: 'member password 1', role: 'member' };
      await t.setPlan(owner.tenantId, 'starter'); // Free allows one user
      await t.http().post('/api/v1/users').set(owner.auth).send(member).expect(201);
      const login = await t.http().post('/api/v1/auth/login').send({ email: member.email, password: member.password }).expect(200);
      await t.http().get('/api/v1/api-keys').set('Authorization', `Bearer ${login.body.accessToken}`).expect(403);
      await t.http().get('/api/v1/users').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    });
  });

  describe('validation and errors', () => {
    it('names an unknown field and a badly typed one, and writes nothing', async () => {
      const before = (await t.http().get('/api/v1/api-keys').set(owner.auth).expect(200)).body.data.length;
      const unknown = await t.http().post('/api/v1/api-keys').set(owner.auth).send({ name: 'x', scopes: ['read'], admin: true }).expect(400);
      expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(unknown.body).toMatchObject({ status: 400, title: expect.any(String), type: expect.any(String) });
      expect(unknown.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'admin' })]));
      const badType = await t.http().post('/api/v1/api-keys').set(owner.auth).send({ name: 'x', scopes: ['superuser'] }).expect(400);
      expect(badType.body.errors.map((e: { field: string }) => e.field)).toContain('scopes');
      const badPage = await t.http().get('/api/v1/audit-log?limit=abc').set(owner.auth).expect(400);
      expect(badPage.body.errors.map((e: { field: string }) => e.field)).toContain('limit');
      const after = (await t.http().get('/api/v1/api-keys').set(owner.auth).expect(200)).body.data.length;
      expect(after).toEqual(before);
    });

    it('answers malformed JSON with 400 and unknown routes with a JSON 404', async () => {
      const bad = await t.http().post('/api/v1/auth/login').set('content-type', 'application/json').send('{"email":').expect(400);
      expect(bad.body.status).toBe(400);
      const nf = await t.http().get('/api/v1/no-such-thing').set(owner.auth).expect(404);
      expect(nf.headers['content-type']).toMatch(/json/);
      expect(nf.body.status).toBe(404);
      await t.http().get(`/api/v1/users/not-a-uuid`).set(owner.auth).expect(400);
    });

    it('puts a request id and security headers on every response', async () => {
      const res = await t.http().get('/health/live').expect(200);
      expect(res.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const given = await t.http().get('/health/live').set('x-request-id', 'trace-me-123').expect(200);
      expect(given.headers['x-request-id']).toBe('trace-me-123');
    });
  });

  describe('audit log', () => {
    it('records mutating requests with actor, route, status and duration, scoped to the tenant', async () => {
      const s = await t.signup('audited');
      await t.http().post('/api/v1/api-keys').set(s.auth).send({ name: 'a', scopes: ['read'] }).expect(201);
      await t.http().post('/api/v1/api-keys').set(s.auth).send({ name: 'a', scopes: ['nope'] }).expect(400);
      let entries: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 40 && entries.length < 2; i++) {
        entries = (await t.http().get('/api/v1/audit-log').set(s.auth).expect(200)).body.data;
        if (entries.length < 2) await new Promise((r) => setTimeout(r, 100));
      }
      expect(entries).toEqual(expect.arrayContaining([
        expect.objectContaining({ method: 'POST', route: '/api/v1/api-keys', status: 201, actorType: 'user', actorId: s.userId }),
        expect.objectContaining({ method: 'POST', route: '/api/v1/api-keys', status: 400 }),
      ]));
      expect(entries.every((e) => typeof e.durationMs === 'number')).toBe(true);
      const mine = (await t.http().get('/api/v1/audit-log').set(owner.auth).expect(200)).body.data;
      expect(mine.some((e: { actorId: string }) => e.actorId === s.userId)).toBe(false);
    });
  });

  describe('OpenAPI', () => {
    it('documents every route the app serves', async () => {
      const doc = (await t.http().get('/api/docs-json').expect(200)).body;
      for (const path of ['/api/v1/auth/signup', '/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/me', '/api/v1/users', '/api/v1/users/{id}',
        '/api/v1/api-keys', '/api/v1/api-keys/{id}', '/api/v1/api-keys/{id}/rotate', '/api/v1/audit-log', '/api/v1/plugins', '/api/v1/plugins/{name}', '/health/live', '/health/ready']) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      await t.http().get('/api/docs').expect(200);
    });
  });
});
