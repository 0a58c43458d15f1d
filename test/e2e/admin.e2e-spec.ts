import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { RunningSimulator } from '../../src/core/plugin-sdk';
import { RequestContext, type Principal } from '../../src/core/tenancy';
import { AlertEngine } from '../../src/monitoring';
import stripe from '../../src/plugins/stripe';
import { adminLogin, cookiesOf, createOperator, formField, loginForm, postLogin, type AdminClient } from '../support/admin-client';
import { startTestApp, type TenantSession, type TestApp } from '../support/test-app';

const OPERATOR = { email: 'op@example.test', password: 'operator password 1' };
const SCRIPT_NAME = '<script>alert(1)</script> Corp';

function systemPrincipal(tenantId: string): Principal {
  return { kind: 'system', tenantId, actorId: 'test', role: 'owner', scopes: ['read', 'write', 'admin'], plan: 'free', rateLimit: 0 };
}

/**
 * The admin panel over HTTP: sessions, CSRF, lockout, the owner's tenant scope, escaping, the
 * panel's headers and its place outside the API. The browser tests (admin-browser) drive the pages.
 */
describe('admin panel over HTTP', () => {
  let t: TestApp;
  let op: AdminClient;
  let a: TenantSession;
  let b: TenantSession;
  let sim: RunningSimulator;
  let ds: DataSource;
  const ids: Record<string, string> = {};
  const savedBaseUrl = process.env.PLUGIN_STRIPE_BASE_URL;

  /** the panel's Redis keys live under the app's prefix */
  const redis = () => new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: `${t.config.REDIS_PREFIX}:core:`, maxRetriesPerRequest: 2 });
  const runsOf = async (connectionId: string) => Number((await ds.query(`SELECT count(*) AS n FROM sync_runs WHERE connection_id = $1`, [connectionId]))[0].n);

  beforeAll(async () => {
    sim = await (await stripe.simulator!()).startSimulator({ seed: 3 });
    process.env.PLUGIN_STRIPE_BASE_URL = sim.url;
    t = await startTestApp({ label: 'admin' });
    ds = t.app.get(DataSource);
    await createOperator(t.app, OPERATOR.email, OPERATOR.password);
    op = await adminLogin(t.http, OPERATOR.email, OPERATOR.password);
    a = await t.signup('admin-a');
    b = await t.signup('admin-b');
    await ds.query(`UPDATE tenants SET name = $1 WHERE id = $2`, [SCRIPT_NAME, a.tenantId]);
    ids.connection = (await t.http().post('/api/v1/connections').set(a.auth).send({ plugin: 'stripe', name: `${SCRIPT_NAME} stripe`, credentials: sim.credentials }).expect(201)).body.id;
    ids.run = (await t.http().post(`/api/v1/connections/${ids.connection}/syncs`).set(a.auth).send({ entity: 'products', mode: 'full' }).expect(202)).body.id;
    ids.workflow = (await t.http().post('/api/v1/workflows').set(a.auth).send({ name: `${SCRIPT_NAME} flow`, trigger: { type: 'manual' }, steps: [{ id: 'pause', type: 'delay', ms: 1 }] }).expect(201)).body.id;
    ids.alert = (await t.app.get(RequestContext).runAsTenant(systemPrincipal(a.tenantId), () =>
      t.app.get(AlertEngine).raise({ type: 'sync_failed', connectionId: ids.connection, plugin: 'stripe', title: `${SCRIPT_NAME} sync failed` })))!.alert.id;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sim?.close();
    if (savedBaseUrl === undefined) delete process.env.PLUGIN_STRIPE_BASE_URL;
    else process.env.PLUGIN_STRIPE_BASE_URL = savedBaseUrl;
  });

  it('serves every page to an operator', async () => {
    const pages = ['/admin', '/admin/tenants', `/admin/tenants/${a.tenantId}`, '/admin/connections', `/admin/connections/${ids.connection}`,
      `/admin/connections/${ids.connection}/records?entity=customers`, '/admin/sync-runs', `/admin/sync-runs/${ids.run}`, `/admin/sync-runs/${ids.run}/progress`,
      '/admin/conflicts', '/admin/conflicts?status=resolved', '/admin/plugins', '/admin/plugins/stripe', '/admin/audit', `/admin?tenant=${a.tenantId}`,
      '/admin/webhooks', `/admin/webhooks?tenant=${a.tenantId}`, `/admin/webhooks/deliveries?tenant=${a.tenantId}`, '/admin/workflows', `/admin/workflows?tenant=${a.tenantId}`,
      '/admin/alerts', `/admin/alerts?tenant=${a.tenantId}`, '/admin/billing', `/admin/billing?tenant=${a.tenantId}`];
    for (const path of pages) {
      const res = await op.get(path);
      expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({ path, status: 200, type: 'text/html; charset=utf-8' });
    }
  });

  it('sends a browser without a session to the log-in page, and back to where it was going afterwards', async () => {
    const res = await t.http().get('/admin/connections?status=healthy').expect(303);
    expect(res.headers.location).toBe(`/admin/login?next=${encodeURIComponent('/admin/connections?status=healthy')}`);
    const form = await loginForm(t.http);
    const login = await t.http().post('/admin/login').set('Cookie', `pb_admin_login=${form.pre}`).type('form')
      .send({ email: OPERATOR.email, password: OPERATOR.password, _csrf: form.csrf, next: '/admin/connections?status=healthy' }).expect(303);
    expect(login.headers.location).toBe('/admin/connections?status=healthy');
    // never to another site
    const away = await t.http().post('/admin/login').set('Cookie', `pb_admin_login=${form.pre}`).type('form')
      .send({ email: OPERATOR.email, password: OPERATOR.password, _csrf: form.csrf, next: '//evil.example/admin' }).expect(303);
    expect(away.headers.location).toBe('/admin');
  });

  it('keeps the session in an httpOnly, SameSite=Strict cookie for /admin, and the session itself in Redis', async () => {
    const res = await postLogin(t.http, await loginForm(t.http), OPERATOR.email, OPERATOR.password).expect(303);
    const setCookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('pb_admin='))!;
    expect(setCookie).toMatch(/^pb_admin=[A-Za-z0-9_-]{43}; Path=\/admin; HttpOnly; SameSite=Strict$/);
    const r = redis();
    try {
      const stored = await r.get(`admin:session:${createHash('sha256').update(cookiesOf(res).pb_admin).digest('hex')}`);
      expect(JSON.parse(stored!)).toMatchObject({ role: 'operator', email: OPERATOR.email, tenantId: null });
      // the raw id is not a key: a copy of Redis does not hold usable cookies
      expect(await r.exists(`admin:session:${cookiesOf(res).pb_admin}`)).toBe(0);
    } finally {
      r.disconnect();
    }
  });

  it('refuses a form without its CSRF token, with a wrong one, or with another session\'s, and does nothing', async () => {
    const before = await runsOf(ids.connection);
    const other = await adminLogin(t.http, OPERATOR.email, OPERATOR.password);
    const attempts = [
      t.http().post(`/admin/connections/${ids.connection}/sync`).set('Cookie', op.cookie).type('form').send({ entity: 'customers', mode: 'full' }),
      t.http().post(`/admin/connections/${ids.connection}/sync`).set('Cookie', op.cookie).type('form').send({ entity: 'customers', mode: 'full', _csrf: 'x'.repeat(43) }),
      t.http().post(`/admin/connections/${ids.connection}/sync`).set('Cookie', op.cookie).type('form').send({ entity: 'customers', mode: 'full', _csrf: other.csrf }),
      t.http().post(`/admin/connections/${ids.connection}/sync`).set('Cookie', op.cookie).set('x-csrf-token', other.csrf).send({ entity: 'customers', mode: 'full' }),
    ];
    for (const attempt of attempts) {
      const res = await attempt;
      expect(res.status).toBe(403);
      expect(res.text).toContain('the form has no valid CSRF token');
    }
    expect(await runsOf(ids.connection)).toBe(before);
    // the same form with its token works
    const ok = await op.post(`/admin/connections/${ids.connection}/sync`, { entity: 'customers', mode: 'full' }).expect(303);
    expect(ok.headers.location).toMatch(/^\/admin\/sync-runs\/[0-9a-f-]{36}$/);
    expect(await runsOf(ids.connection)).toBe(before + 1);
    // the log-in form has one too, bound to its pre-session cookie
    const form = await loginForm(t.http);
    await t.http().post('/admin/login').type('form').send({ email: OPERATOR.email, password: OPERATOR.password, _csrf: form.csrf }).expect(403);
    await t.http().post('/admin/login').set('Cookie', 'pb_admin_login=forged').type('form').send({ email: OPERATOR.email, password: OPERATOR.password, _csrf: form.csrf }).expect(403);
  });

  it('locks an email for 15 minutes after 5 failed log-ins, counted in Redis; other emails are not affected', async () => {
    const email = 'Locked.Operator@example.test';
    await createOperator(t.app, email.toLowerCase(), 'locked operator pw');
    for (let i = 0; i < 5; i++) {
      const res = await postLogin(t.http, await loginForm(t.http), email, `wrong ${i}`).expect(401);
      expect(res.text).toContain('Wrong email or password.');
    }
    const locked = await postLogin(t.http, await loginForm(t.http), email.toLowerCase(), 'locked operator pw').expect(429);
    expect(locked.text).toMatch(/Too many failed log-ins\. Try again in 1[45] minutes\./);
    expect(cookiesOf(locked).pb_admin).toBeUndefined();
    const r = redis();
    try {
      const key = `admin:fail:email:${createHash('sha256').update(email.toLowerCase()).digest('hex')}`;
      expect(await r.get(key)).toBe('5');
      expect(await r.ttl(key)).toBeGreaterThan(800);
    } finally {
      r.disconnect();
    }
    // an unknown email is counted the same way (the lock tells nothing about which accounts exist)...
    for (let i = 0; i < 5; i++) await postLogin(t.http, await loginForm(t.http), 'nobody@example.test', 'x').expect(401);
    await postLogin(t.http, await loginForm(t.http), 'nobody@example.test', 'x').expect(429);
    // ...and the others still log in
    await postLogin(t.http, await loginForm(t.http), OPERATOR.email, OPERATOR.password).expect(303);
  });

  it('logs out: the session ends on the server, so the old cookie is worth nothing', async () => {
    const session = await adminLogin(t.http, OPERATOR.email, OPERATOR.password);
    await session.get('/admin').expect(200);
    const res = await session.post('/admin/logout').expect(303);
    expect(res.headers.location).toBe('/admin/login');
    expect((res.headers['set-cookie'] as unknown as string[]).join()).toContain('pb_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0');
    await session.get('/admin').expect(303);
  });

  it("shows a white-label tenant's owner its product name, and operators Plugboard's; the name is text, never markup", async () => {
    await ds.query(`UPDATE tenants SET plan = 'enterprise', branding = $1 WHERE id = $2`, [{ productName: 'Acme <Connect>' }, b.tenantId]);
    try {
      const owner = await adminLogin(t.http, b.email, b.password);
      const page = (await owner.get('/admin').expect(200)).text;
      expect(page).toContain('<a class="brand" href="/admin">Acme &lt;Connect&gt; <span>admin</span></a>');
      expect(page).toMatch(/<title>[^<]* · Acme &lt;Connect&gt; admin<\/title>/);
      const operator = await adminLogin(t.http, OPERATOR.email, OPERATOR.password);
      expect((await operator.get('/admin').expect(200)).text).toContain('<a class="brand" href="/admin">Plugboard <span>admin</span></a>');
      // without the feature, the setting is kept but not shown
      await ds.query(`UPDATE tenants SET plan = 'free' WHERE id = $1`, [b.tenantId]);
      expect((await owner.get('/admin').expect(200)).text).toContain('<a class="brand" href="/admin">Plugboard <span>admin</span></a>');
    } finally {
      await ds.query(`UPDATE tenants SET plan = 'free', branding = NULL WHERE id = $1`, [b.tenantId]);
    }
  });

  it("gives a tenant owner their own tenant's data only: another tenant's ids are 404, cross-tenant pages 403", async () => {
    const owner = await adminLogin(t.http, b.email, b.password);
    for (const path of [`/admin/connections/${ids.connection}`, `/admin/connections/${ids.connection}/records`, `/admin/sync-runs/${ids.run}`, `/admin/sync-runs/${ids.run}/progress`, `/admin/tenants/${a.tenantId}`]) {
      const res = await owner.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).not.toContain('alert(1)');
    }
    const before = await runsOf(ids.connection);
    await owner.post(`/admin/connections/${ids.connection}/sync`, { entity: 'customers', mode: 'full' }).expect(404);
    await owner.post(`/admin/connections/${ids.connection}/test`).expect(404);
    await owner.post(`/admin/connections/${ids.connection}/disconnect`, { confirm: 'yes' }).expect(404);
    expect(await runsOf(ids.connection)).toBe(before);
    await owner.get('/admin/tenants').expect(403);
    await owner.get('/admin/queues').expect(403);
    // a tenant filter in the query does not widen an owner's view
    for (const path of ['/admin/connections', `/admin/connections?tenant=${a.tenantId}`, `/admin/sync-runs?tenant=${a.tenantId}`, `/admin?tenant=${a.tenantId}`, `/admin/audit?tenant=${a.tenantId}`]) {
      const res = await owner.get(path).expect(200);
      expect({ path, leaks: res.text.includes('alert(1)') || res.text.includes(ids.connection) }).toEqual({ path, leaks: false });
    }
    await owner.get(`/admin/tenants/${b.tenantId}`).expect(200);
    // the sections answered by other areas' services: an owner's ?tenant= is ignored, A's ids are not found in B
    for (const path of [`/admin/workflows/${ids.workflow}?tenant=${a.tenantId}`, `/admin/alerts/${ids.alert}?tenant=${a.tenantId}`]) {
      const res = await owner.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    for (const path of [`/admin/workflows?tenant=${a.tenantId}`, `/admin/alerts?tenant=${a.tenantId}`, `/admin/billing?tenant=${a.tenantId}`, `/admin/webhooks?tenant=${a.tenantId}`]) {
      const res = await owner.get(path).expect(200);
      expect({ path, leaks: res.text.includes('alert(1)') }).toEqual({ path, leaks: false });
    }
    await owner.post(`/admin/alerts/${ids.alert}/resolve`, { tenant: a.tenantId }).expect(404);
    await owner.post(`/admin/workflows/${ids.workflow}/activate`, { tenant: a.tenantId }).expect(404);
    expect((await t.http().get(`/api/v1/alerts/${ids.alert}`).set(a.auth).expect(200)).body.status).toBe('open');
    // an operator reaches them by naming the tenant
    await op.get(`/admin/workflows/${ids.workflow}?tenant=${a.tenantId}`).expect(200);
    await op.get(`/admin/alerts/${ids.alert}?tenant=${a.tenantId}`).expect(200);
    await op.get(`/admin/alerts/${ids.alert}?tenant=${b.tenantId}`).expect(404);
    // and A's connection still works for A's operator view
    await op.get(`/admin/connections/${ids.connection}`).expect(200);
  });

  it('shows stored names as text: markup in a name is escaped on every page', async () => {
    for (const path of ['/admin/tenants', `/admin/tenants/${a.tenantId}`, '/admin/connections', `/admin/connections/${ids.connection}`, '/admin/sync-runs', '/admin',
      `/admin/workflows?tenant=${a.tenantId}`, `/admin/workflows/${ids.workflow}?tenant=${a.tenantId}`, `/admin/alerts/${ids.alert}?tenant=${a.tenantId}`, '/admin/billing']) {
      const res = await op.get(path).expect(200);
      expect({ path, escaped: res.text.includes('&lt;script&gt;alert(1)&lt;/script&gt; Corp') }).toEqual({ path, escaped: true });
      expect({ path, raw: res.text.includes('<script>alert(1)') }).toEqual({ path, raw: false });
    }
  });

  it('answers unknown ids with a 404 page, not an error', async () => {
    for (const path of ['/admin/connections/not-a-uuid', '/admin/connections/00000000-0000-4000-8000-000000000000', '/admin/sync-runs/00000000-0000-4000-8000-000000000000', '/admin/plugins/nope', `/admin/connections/${ids.connection}/records/abc`]) {
      const res = await op.get(path);
      expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({ path, status: 404, type: 'text/html; charset=utf-8' });
    }
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/admin'))).toEqual([]);
  });

  it('sends a Content-Security-Policy that allows only its own files, and serves them', async () => {
    const page = await op.get('/admin').expect(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).not.toMatch(/<script>|<style>| on[a-z]+="/);
    await t.http().get('/admin/assets/admin.css').expect(200).expect('content-type', /text\/css/);
    await t.http().get('/admin/assets/admin.js').expect(200).expect('content-type', /javascript/);
    // the API keeps its own headers
    expect((await t.http().get('/health/live')).headers['content-security-policy']).toBeUndefined();
  });

  it('records panel actions in the audit log under the operator and the tenant acted in, refused ones too', async () => {
    await op.post(`/admin/connections/${ids.connection}/test`).expect(303);
    type Row = { actor_type: string; actor_id: string; tenant_id: string; status: number };
    let rows: Row[] = [];
    for (let i = 0; i < 40 && !rows.some((r) => r.actor_type === 'operator'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await ds.query(`SELECT actor_type, actor_id, tenant_id, status FROM audit_log WHERE route = '/admin/connections/:id/test' ORDER BY id`);
    }
    const [{ id: opId }] = await ds.query(`SELECT id FROM operators WHERE email = $1`, [OPERATOR.email]);
    expect(rows.filter((r) => r.actor_type === 'operator')).toEqual([{ actor_type: 'operator', actor_id: opId, tenant_id: a.tenantId, status: 303 }]);
    // the owner of B trying A's connection (the isolation test above) is there too, in B's log
    expect(rows.filter((r) => r.actor_type === 'user')).toEqual([{ actor_type: 'user', actor_id: b.userId, tenant_id: b.tenantId, status: 404 }]);
    const audit = await op.get('/admin/audit?actor=operator').expect(200);
    expect(audit.text).toContain('/admin/connections/:id/test');
    expect(audit.text).toContain(OPERATOR.email);
  });

  it('mounts Bull Board for operators, refusing its API calls from other origins', async () => {
    const queues = await op.get('/admin/queues/api/queues').expect(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toContain('sync');
    await t.http().get('/admin/queues/api/queues').expect(303);
    await op.get('/admin/queues').expect(200).expect('content-type', /html/);
    const host = new URL(t.url).host;
    await t.http().put('/admin/queues/api/queues/pause').set('Cookie', op.cookie).expect(403);
    await t.http().put('/admin/queues/api/queues/pause').set('Cookie', op.cookie).set('Origin', 'http://127.0.0.1:1').expect(403);
    const paused = await t.http().put('/admin/queues/api/queues/sync/pause').set('Cookie', op.cookie).set('Origin', `http://${host}`);
    expect(paused.status).toBe(200);
    await t.http().put('/admin/queues/api/queues/sync/resume').set('Cookie', op.cookie).set('Origin', `http://${host}`).expect(200);
  });

  it('keeps the token of a page stable within a session (forms on any page of it work)', async () => {
    const page = await op.get(`/admin/connections/${ids.connection}`).expect(200);
    expect(formField(page.text, '_csrf')).toBe(op.csrf);
  });
});
