import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type request from 'supertest';
import { DataSource } from 'typeorm';
import { TenantDirectory } from '../../src/core/tenancy';
import { RequestContext } from '../../src/core/tenancy';
import { AlertEngine } from '../../src/monitoring';
import stripe from '../../src/plugins/stripe';
import type { StripeSimulator } from '../../src/plugins/stripe/simulator/stripe.simulator';
import { createOperator } from '../support/admin-client';
import { launchChromium, screenshot } from '../support/browser';
import { startConnectedApiApp, syncTestConfig } from '../support/sync-test-app';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

const OPERATOR = { email: 'operator@example.test', password: 'operator password 1' };
const XSS_TENANT = 'Acme <script>alert("tenant")</script>';
const XSS_CONNECTION = '<img src=x onerror=alert("conn")> Stripe live';
/** Bull Board's page asks for web fonts from the internet; the panel's CSP refuses them, as it should */
const BULL_BOARD_FONTS = 'https://fonts.googleapis.com/';

/**
 * The admin panel in Debian's Chromium (playwright-core, headless), over the whole app with its
 * worker, real connections to the Stripe simulator and a real Postgres and Redis. Each test saves a
 * screenshot under test-output/admin/.
 */
// a real browser over the whole app with its worker: slower than the suite's default allows on a loaded machine
jest.setTimeout(120_000);

describe('admin panel in a browser', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('adminui');
  let sim: StripeSimulator;
  let app: NestFastifyApplication;
  let http: () => ReturnType<typeof request>;
  let url: string;
  let ds: DataSource;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const savedBaseUrl = process.env.PLUGIN_STRIPE_BASE_URL;
  type Account = { email: string; password: string };
  const ids: { tenant: string; connection: string; second: string; conflict: string; workflow: string; alert: string; owner: Account; locked: Account } = {} as never;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function login(p: Page, who = OPERATOR): Promise<void> {
    await p.goto(`${url}/admin/login`);
    await p.getByLabel('Email').fill(who.email);
    await p.getByLabel('Password').fill(who.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.waitForURL(`${url}/admin`);
  }

  async function newPage(viewport = { width: 1366, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
    const c = await browser.newContext({ viewport });
    const p = await c.newPage();
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    p.on('pageerror', (e) => pageErrors.push(e.message));
    // a CSP violation (our own inline code, or a foreign asset) shows up as a console error
    p.on('console', (m) => {
      if (m.type() === 'error' && m.text().includes('Content Security Policy') && !m.text().includes(BULL_BOARD_FONTS)) pageErrors.push(m.text());
    });
    return { context: c, page: p };
  }

  beforeAll(async () => {
    sim = (await (await stripe.simulator!()).startSimulator({ seed: 40 })) as StripeSimulator;
    process.env.PLUGIN_STRIPE_BASE_URL = sim.url;
    db = await createTestDatabase('adminui');
    ({ app, http } = await startConnectedApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix }), { withWorker: true }));
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    ds = app.get(DataSource);
    await createOperator(app, OPERATOR.email, OPERATOR.password);

    ids.owner = { email: `owner-${Date.now()}@example.test`, password: 'owner password 123' };
    const signup = await http().post('/api/v1/auth/signup').send({ tenantName: XSS_TENANT, email: ids.owner.email, password: ids.owner.password }).expect(201);
    ids.tenant = signup.body.tenant.id;
    ids.locked = { email: `locked-${Date.now()}@example.test`, password: 'locked password 123' };
    await http().post('/api/v1/auth/signup').send({ tenantName: 'Locked Ltd', email: ids.locked.email, password: ids.locked.password }).expect(201);
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [ids.tenant]);
    app.get(TenantDirectory).invalidate(ids.tenant);
    const auth = { Authorization: `Bearer ${signup.body.accessToken}` };
    ids.connection = (await http().post('/api/v1/connections').set(auth).send({ plugin: 'stripe', name: XSS_CONNECTION, credentials: sim.credentials }).expect(201)).body.id;
    ids.second = (await http().post('/api/v1/connections').set(auth).send({ plugin: 'stripe', name: 'Stripe archive', credentials: sim.credentials }).expect(201)).body.id;
    // a manual one-way flow between them, with one conflict as a sync would leave it
    const flow = (await http().post('/api/v1/sync-flows').set(auth).send({
      name: 'Live to archive', source: { connectionId: ids.connection, entity: 'customers' }, target: { connectionId: ids.second, entity: 'customers' },
      mapping: [{ from: 'email', to: 'email' }, { from: 'name', to: 'name' }], direction: 'one_way', conflict: 'manual', autoApply: false,
    }).expect(201)).body.id;
    const [link] = await ds.query(
      `INSERT INTO sync_links (tenant_id, flow_id, source_external_id, target_external_id, source_hash, target_hash, source_values, target_values)
       VALUES ($1, $2, 'cus_live', 'cus_archive', '\\x00', '\\x00', $3, $4) RETURNING id`,
      [ids.tenant, flow, { email: 'old@example.test', name: 'Ada' }, { email: 'ada@archive.test', name: 'Ada L.' }],
    );
    ids.conflict = (await ds.query(
      `INSERT INTO sync_conflicts (tenant_id, flow_id, link_id, fields, source_values, target_values) VALUES ($1, $2, $3, '{email,name}', $4, $5) RETURNING id`,
      [ids.tenant, flow, link.id, { email: 'ada@live.test', name: 'Ada Lovelace' }, { email: 'ada@archive.test', name: 'Ada L.' }],
    ))[0].id;

    ids.workflow = (await http().post('/api/v1/workflows').set(auth).send({
      name: 'Greet new customers', trigger: { type: 'manual' },
      steps: [{ id: 'wait', type: 'delay', ms: 1 }, { id: 'tell', type: 'http_request', method: 'POST', url: 'https://example.test/hooks/{{ trigger.name }}', body: { hello: '{{ trigger.name }}' } }],
    }).expect(201)).body.id;
    const principal = { kind: 'system' as const, tenantId: ids.tenant, actorId: 'test', role: 'owner' as const, scopes: ['read', 'write', 'admin'] as const, plan: 'enterprise' as const, rateLimit: 0 };
    ids.alert = (await app.get(RequestContext).runAsTenant(principal, () =>
      app.get(AlertEngine).raise({ type: 'sync_failed', connectionId: ids.second, plugin: 'stripe', title: 'Stripe archive: the last sync failed', detail: 'upstream answered 503' })))!.alert.id;

    browser = await launchChromium();
    ({ context, page } = await newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sim?.close();
    await db?.drop();
    await redis.purge();
    if (savedBaseUrl === undefined) delete process.env.PLUGIN_STRIPE_BASE_URL;
    else process.env.PLUGIN_STRIPE_BASE_URL = savedBaseUrl;
  });

  afterEach(() => {
    // no alert() from stored names, no script errors, no CSP violations on any page
    expect(dialogs.splice(0)).toEqual([]);
    expect(pageErrors.splice(0)).toEqual([]);
  });

  it('logs in and shows the dashboard: the grid of connections, 24-hour charts and figures', async () => {
    await page.goto(`${url}/admin/connections`);
    await page.waitForURL(/\/admin\/login\?next=/);
    await login(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('.grid .tile').count()).toBe(2);
    // every tenant: sync runs and records per hour; one tenant: its calls per hour too
    expect(await page.locator('svg.chart').count()).toBe(2);
    await expect(page.getByRole('link', { name: 'Stripe archive: the last sync failed' }).isVisible()).resolves.toBe(true);
    await screenshot(page, '01-dashboard');
    await page.goto(`${url}/admin?tenant=${ids.tenant}`);
    expect(await page.locator('svg.chart').count()).toBe(3);
    await expect(page.getByText(`Showing tenant ${XSS_TENANT} only.`).isVisible()).resolves.toBe(true);
  });

  it('shows stored names as text, never as markup', async () => {
    await page.goto(`${url}/admin/connections`);
    await expect(page.getByRole('link', { name: XSS_CONNECTION }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: XSS_TENANT }).first().isVisible()).resolves.toBe(true);
    // the markup came through as text: no element was made from it
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    await page.goto(`${url}/admin/tenants/${ids.tenant}`);
    await expect(page.getByRole('heading', { level: 1, name: XSS_TENANT }).isVisible()).resolves.toBe(true);
    await screenshot(page, '02-escaped-names');
  });

  it('walks every section from the menu', async () => {
    // the sections answered by tenant-scoped services first ask an operator which tenant
    const sections: [string, string][] = [['Tenants', 'Tenants'], ['Connections', 'Connections'], ['Sync runs', 'Sync runs'], ['Conflicts', 'Conflicts'],
      ['Webhooks', 'Webhook events'], ['Workflows', 'Workflows'], ['Alerts', 'Alerts and incidents'], ['Plugins', 'Plugins'], ['Billing', 'Billing'],
      ['Audit log', 'Audit log'], ['Dashboard', 'Dashboard']];
    for (const [name, heading] of sections) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
      await page.waitForLoadState('load');
      await expect(page.getByRole('heading', { level: 1, name: heading }).isVisible()).resolves.toBe(true);
      expect(await page.locator('nav[aria-label="Main"] a[aria-current="page"]').textContent()).toBe(name);
    }
    await page.goto(`${url}/admin/connections/${ids.connection}`);
    await page.getByRole('link', { name: 'customers' }).first().click();
    await expect(page.getByRole('heading', { level: 1, name: `Records of ${XSS_CONNECTION}` }).isVisible()).resolves.toBe(true);
    await screenshot(page, '03-records-before-sync');
  });

  it('tests a connection', async () => {
    await page.goto(`${url}/admin/connections/${ids.connection}`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.waitForURL(`${url}/admin/connections/${ids.connection}`);
    expect(await page.getByRole('status').textContent()).toMatch(/^Connection check passed .* in \d+ ms\.$/);
    await screenshot(page, '04-connection-tested');
  });

  it('runs a sync and watches it complete, then finds its records', async () => {
    await page.goto(`${url}/admin/connections/${ids.connection}`);
    await page.getByLabel('Entity').selectOption('customers');
    await page.getByLabel('full').check();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.waitForURL(/\/admin\/sync-runs\/[0-9a-f-]{36}$/);
    // the progress block refreshes itself until the run ends, then the page reloads once
    await page.locator('.run-state .badge', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.run-progress dd').nth(1).textContent()).toBe('40');
    await screenshot(page, '05-sync-completed');

    await page.goto(`${url}/admin/connections/${ids.connection}/records?entity=customers`);
    expect(await page.locator('tbody tr').count()).toBe(40);
    const [{ externalId }] = await ds.query(`SELECT external_id AS "externalId" FROM sync_records WHERE connection_id = $1 ORDER BY id LIMIT 1`, [ids.connection]);
    await page.getByLabel('Search').fill(externalId);
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: externalId }).click();
    await expect(page.locator('pre.json').first().isVisible()).resolves.toBe(true);
    await screenshot(page, '06-record');
  });

  it('resolves a conflict, the two sides side by side', async () => {
    await page.goto(`${url}/admin/conflicts`);
    const card = page.locator('article.conflict');
    expect(await card.count()).toBe(1);
    expect(await card.locator('tbody tr').count()).toBe(2);
    await expect(card.getByText('"ada@live.test"').isVisible()).resolves.toBe(true);
    await expect(card.getByText('"ada@archive.test"').isVisible()).resolves.toBe(true);
    await screenshot(page, '07-conflict-open');
    await card.getByRole('button', { name: "Keep the target's values" }).click();
    await page.waitForURL(`${url}/admin/conflicts`);
    expect(await page.getByRole('status').textContent()).toBe("Conflict resolved with the target's values.");
    expect(await page.locator('article.conflict').count()).toBe(0);
    const [c] = await ds.query(`SELECT status FROM sync_conflicts WHERE id = $1`, [ids.conflict]);
    expect(c.status).toBe('resolved');
  });

  it('replays a webhook event, whose payload is shown with its secrets masked', async () => {
    await fetch(`${sim.url}/__sim/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${url}/webhooks/stripe/${ids.connection}` }) });
    const { event, status } = await sim.emit('customer.updated', { id: 'cus_hook', object: 'customer', email: 'hook@example.test', api_key: 'sk_live_leaked_4242' });
    expect(status).toBe(200);
    const attempts = async () => Number((await ds.query(`SELECT count(*) AS n FROM webhook_event_attempts a JOIN webhook_events e ON e.id = a.event_id WHERE e.external_id = $1`, [event.id]))[0].n);
    await until('the event processed once', async () => (await attempts()) === 1);
    await page.goto(`${url}/admin/webhooks`);
    await page.getByRole('link', { name: XSS_TENANT }).click();
    await page.getByRole('row', { name: /stripe\.customer\.updated/ }).getByRole('link').click();
    await expect(page.getByRole('heading', { level: 1, name: /stripe\.customer\.updated/ }).isVisible()).resolves.toBe(true);
    const payload = await page.locator('pre.json').first().textContent();
    expect(payload).toContain('"api_key": "••••"');
    expect(payload).toContain('hook@example.test');
    expect(await page.content()).not.toContain('sk_live_leaked_4242');
    await page.getByRole('button', { name: 'Replay this event' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Event stripe.customer.updated queued to be processed again.');
    await until('the replay processed', async () => (await attempts()) === 2);
    await page.reload();
    expect(await page.locator('table tbody tr').count()).toBe(2);
    await screenshot(page, '09-webhook-replayed');
  });

  it('acknowledges and resolves an incident, its timeline growing', async () => {
    await page.goto(`${url}/admin`);
    await page.getByRole('link', { name: 'Stripe archive: the last sync failed' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /the last sync failed/ }).isVisible()).resolves.toBe(true);
    await page.getByLabel('Note (optional)').fill('looking into it');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Acknowledged: Stripe archive: the last sync failed');
    await expect(page.locator('.timeline-list').getByText('looking into it').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Resolve' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Resolved: Stripe archive: the last sync failed');
    await expect(page.locator('h1 .badge', { hasText: 'resolved' }).isVisible()).resolves.toBe(true);
    await screenshot(page, '10-incident-resolved');
    const [alert] = await ds.query(`SELECT status, resolution FROM alerts WHERE id = $1`, [ids.alert]);
    expect(alert).toEqual({ status: 'resolved', resolution: 'manual' });
    await page.goto(`${url}/admin`);
    await expect(page.getByText('No open incidents.').isVisible()).resolves.toBe(true);
  });

  it('activates a workflow and test-runs it, then reads the step log', async () => {
    await page.goto(`${url}/admin/workflows?tenant=${ids.tenant}`);
    await page.getByRole('link', { name: 'Greet new customers' }).click();
    await page.getByRole('button', { name: 'Activate' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Workflow Greet new customers is active.');
    await page.getByLabel(/^Payload \(JSON\)/).fill('{"name": "ada"}');
    await page.getByRole('button', { name: /^Test run/ }).click();
    await page.waitForURL(/\/admin\/workflows\/executions\/[0-9a-f-]{36}\?tenant=/);
    expect(await page.getByRole('status').textContent()).toMatch(/^Test run succeeded: writes were recorded, not sent\.$/);
    expect(await page.locator('.steps > li').count()).toBe(2);
    // the http step was recorded with the payload's values, not sent
    expect(await page.locator('.steps > li').nth(1).textContent()).toContain('https://example.test/hooks/ada');
    await screenshot(page, '11-workflow-test-run');
    await page.getByRole('link', { name: 'Greet new customers' }).click();
    await page.getByRole('button', { name: 'Deactivate' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Workflow Greet new customers is inactive.');
  });

  it('shows billing: the plans, each tenant\'s subscription, one tenant\'s usage against its limits', async () => {
    await page.goto(`${url}/admin/billing`);
    expect(await page.locator('table').first().locator('tbody tr').count()).toBe(4);
    await page.getByRole('link', { name: XSS_TENANT }).click();
    await expect(page.getByRole('heading', { level: 1, name: `Billing of ${XSS_TENANT}` }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('row', { name: /^connections 2 / }).isVisible()).resolves.toBe(true);
    await screenshot(page, '12-billing');
  });

  it('searches the plugin catalog and filters it by category', async () => {
    await page.goto(`${url}/admin/plugins`);
    const all = await page.locator('.plugin-card').count();
    expect(all).toBeGreaterThan(1);
    await page.getByLabel('Search').fill('stripe');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.locator('.plugin-card h2').allTextContents()).toEqual([expect.stringContaining('Stripe')]);
    await page.goto(`${url}/admin/plugins?category=crm`);
    expect(await page.locator('.plugin-card').count()).toBeLessThan(all);
    await screenshot(page, '13-plugin-catalog');
  });

  it('shows Bull Board under /admin/queues behind the same session', async () => {
    await page.goto(`${url}/admin/queues`);
    await page.getByText('sync', { exact: true }).first().waitFor({ timeout: 15_000 });
    await screenshot(page, '14-queues');
    const anonymous = await browser.newContext();
    const p = await anonymous.newPage();
    await p.goto(`${url}/admin/queues`);
    expect(new URL(p.url()).pathname).toBe('/admin/login');
    await anonymous.close();
  });

  it('refuses a forged form posted from another page on this machine (same site, other origin)', async () => {
    const runs = async () => Number((await ds.query(`SELECT count(*) AS n FROM sync_runs WHERE connection_id = $1`, [ids.connection]))[0].n);
    const before = await runs();
    // an attacker's page on another loopback port: same site for SameSite purposes, so the cookie goes along
    const evil: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form id="f" method="post" action="${url}/admin/connections/${ids.connection}/sync">
        <input name="entity" value="customers"><input name="mode" value="full"><input name="_csrf" value="guessed"></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const response = page.waitForResponse((r) => r.url().endsWith(`/admin/connections/${ids.connection}/sync`));
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      expect((await response).status()).toBe(403);
      await page.waitForLoadState('load');
      await expect(page.getByText('the form has no valid CSRF token').isVisible()).resolves.toBe(true);
      await screenshot(page, '15-csrf-refused');
    } finally {
      await new Promise((r) => evil.close(r));
    }
    expect(await runs()).toBe(before);
  });

  it('locks an account after repeated failed log-ins', async () => {
    const { context: c, page: p } = await newPage();
    for (let i = 0; i < 5; i++) {
      await p.goto(`${url}/admin/login`);
      await p.getByLabel('Email').fill(ids.locked.email);
      await p.getByLabel('Password').fill(`wrong password ${i}`);
      await p.getByRole('button', { name: 'Log in' }).click();
      expect(await p.getByRole('alert').textContent()).toBe('Wrong email or password.');
    }
    await p.getByLabel('Password').fill(ids.locked.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    expect(await p.getByRole('alert').textContent()).toMatch(/^Too many failed log-ins\. Try again in \d+ minutes\.$/);
    expect(new URL(p.url()).pathname).toBe('/admin/login');
    await screenshot(p, '16-locked');
    await c.close();
  });

  it("gives a tenant owner their own tenant's pages only", async () => {
    const { context: c, page: p } = await newPage();
    await login(p, ids.owner);
    const menu = await p.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(menu).toEqual(['Dashboard', 'My tenant', 'Connections', 'Sync runs', 'Conflicts', 'Webhooks', 'Workflows', 'Alerts', 'Plugins', 'Billing', 'Audit log']);
    const res = await p.goto(`${url}/admin/tenants`);
    expect(res!.status()).toBe(403);
    await p.goto(`${url}/admin/connections`);
    expect(await p.locator('tbody tr').count()).toBe(2);
    await screenshot(p, '17-owner-view');
    await c.close();
  });

  it('works on a phone: no sideways scrolling, the menu and tables scroll inside their frames', async () => {
    const { context: c, page: p } = await newPage({ width: 390, height: 844 });
    await login(p);
    for (const path of ['/admin', '/admin/connections', `/admin/connections/${ids.connection}`, '/admin/sync-runs', '/admin/audit', '/admin/conflicts?status=resolved']) {
      await p.goto(`${url}${path}`);
      const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
    }
    await p.goto(`${url}/admin`);
    await screenshot(p, '18-phone-dashboard');
    await c.close();
  });

  it('can be used from the keyboard: a skip link first, visible focus', async () => {
    await page.goto(`${url}/admin/connections`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('main');
    // every form control of every kind of page has a label
    for (const path of ['/admin/connections', `/admin/connections/${ids.connection}`, `/admin/connections/${ids.connection}/records`, '/admin/sync-runs', '/admin/audit',
      '/admin/plugins', `/admin/workflows/${ids.workflow}?tenant=${ids.tenant}`, `/admin/alerts/${ids.alert}?tenant=${ids.tenant}`, `/admin/webhooks?tenant=${ids.tenant}`, '/admin/webhooks']) {
      await page.goto(`${url}${path}`);
      const unlabelled = await page.evaluate<string[]>("[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((el) => !el.labels || !el.labels.length).map((el) => el.outerHTML)");
      expect({ path, unlabelled }).toEqual({ path, unlabelled: [] });
    }
    await screenshot(page, '19-keyboard');
  });

  it('logs out', async () => {
    await page.goto(`${url}/admin`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${url}/admin/login`);
    await page.goto(`${url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await context.close();
  });
});
