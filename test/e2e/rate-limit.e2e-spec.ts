import { Client } from 'pg';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';

/** Two API processes of one deployment (one database, one Redis prefix) must share a tenant's budget. */
describe('tier rate limits', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('ratelimit');
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('ratelimit');
    a = await startTestApp({ db, redisPrefix: redis.prefix });
    b = await startTestApp({ db, redisPrefix: redis.prefix });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
    await redis.purge();
  });

  async function setLimit(tenantId: string, perMinute: number | null, plan?: string): Promise<void> {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query('UPDATE tenants SET rate_limit_override = $2, plan = COALESCE($3, plan) WHERE id = $1', [tenantId, perMinute, plan ?? null]);
    await c.end();
  }

  it("uses the plan's limit and reports it in headers", async () => {
    const s = await a.signup('free');
    const res = await a.http().get('/api/v1/plugins').set(s.auth).expect(200);
    expect(res.headers['x-ratelimit-limit']).toBe('60');
    expect(Number(res.headers['x-ratelimit-remaining'])).toBeLessThanOrEqual(59);
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);

    const pro = await a.signup('pro');
    await setLimit(pro.tenantId, null, 'professional');
    const proRes = await b.http().get('/api/v1/plugins').set(pro.auth).expect(200);
    expect(proRes.headers['x-ratelimit-limit']).toBe('1000');
  });

  it('counts per tenant across both processes and every route, then answers 429 with Retry-After', async () => {
    const s = await a.signup('limited');
    await setLimit(s.tenantId, 6);
    const statuses: number[] = [];
    const routes = ['/api/v1/plugins', '/api/v1/me', '/api/v1/api-keys', '/api/v1/users'];
    for (let i = 0; i < 8; i++) {
      const app = i % 2 === 0 ? a : b;
      const res = await app.http().get(routes[i % routes.length]).set(s.auth);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.status).toBe(429);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);

    // another tenant is untouched by the first one's exhaustion
    const other = await b.signup('other');
    await b.http().get('/api/v1/plugins').set(other.auth).expect(200);
  });

  it('limits API keys on the same tenant budget as its users', async () => {
    const s = await a.signup('keys');
    const key = (await a.http().post('/api/v1/api-keys').set(s.auth).send({ name: 'k', scopes: ['read'] }).expect(201)).body.key;
    await setLimit(s.tenantId, 3);
    // b has not seen this tenant yet, so it reads the new limit; creating the key spent one of the three
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push((await b.http().get('/api/v1/me').set('X-API-Key', key)).status);
    expect(seen).toEqual([200, 200, 429, 429, 429]);
  });

  it('does not throttle health checks', async () => {
    const results = await Promise.all(Array.from({ length: 150 }, () => a.http().get('/health/live')));
    expect(results.every((r) => r.status === 200)).toBe(true);
  });
});
