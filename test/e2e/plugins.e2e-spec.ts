import { join } from 'node:path';
import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

const FIXTURES = join(__dirname, '..', 'fixtures', 'plugins');

describe('plugin catalog over the fixture plugins', () => {
  let t: TestApp;
  let owner: TenantSession;

  beforeAll(async () => {
    t = await startTestApp({ label: 'plugins', env: { PLUGINS_DIR: FIXTURES, PLUGINS_DISABLED: 'disabled-one' } });
    owner = await t.signup('plugins');
  });
  afterAll(() => t.close());

  const names = (body: { data: { name: string }[] }) => body.data.map((p) => p.name);

  it('boots with the bad plugins refused and the disabled one reported', () => {
    expect(t.plugins.loaded.map((p) => p.definition.name)).toEqual(['good-crm']);
    expect(t.plugins.disabled).toEqual(['disabled-one']);
    expect(t.plugins.refused.map((r) => r.source.split('/').pop()).sort()).toEqual(['bad-auth', 'incompatible', 'malformed', 'throws-on-load', 'twin-of-good-crm']);
  });

  it('lists exactly the loaded plugins', async () => {
    const res = await t.http().get('/api/v1/plugins').set(owner.auth).expect(200);
    expect(names(res.body)).toEqual(['good-crm']);
  });

  it('filters by category, free text and auth kind', async () => {
    const get = async (qs: string) => names((await t.http().get(`/api/v1/plugins?${qs}`).set(owner.auth).expect(200)).body);
    expect(await get('category=crm')).toEqual(['good-crm']);
    expect(await get('category=payments')).toEqual([]);
    expect(await get('q=fixture%20crm')).toEqual(['good-crm']);
    expect(await get('q=GOOD')).toEqual(['good-crm']);
    expect(await get('q=no-such-thing')).toEqual([]);
    expect(await get('auth=api_key')).toEqual(['good-crm']);
    expect(await get('auth=oauth2')).toEqual([]);
    expect(await get('category=crm&auth=api_key&q=good')).toEqual(['good-crm']);
  });

  it.each([
    ['an unknown category', 'category=banking', 'category'],
    ['an auth kind outside the set', 'auth=magic_link', 'auth'],
    ['a 101-character q', `q=${'x'.repeat(101)}`, 'q'],
    ['an unknown parameter', 'sort=name', 'sort'],
  ])('refuses %s with 400 problem+json naming the field', async (_label, qs, field) => {
    const res = await t.http().get(`/api/v1/plugins?${qs}`).set(owner.auth).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400 });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
  });

  it('describes one plugin: entities, actions with JSON schemas, webhooks, version and auth fields without values', async () => {
    const res = await t.http().get('/api/v1/plugins/good-crm').set(owner.auth).expect(200);
    expect(res.body).toMatchObject({
      name: 'good-crm', displayName: 'Good CRM', category: 'crm', version: '2.3.4', docsUrl: 'https://docs.good-crm.example',
      entities: [{ name: 'contacts', model: 'contact', incremental: true, description: 'people in the CRM' }],
      webhooks: { supported: true, scheme: 'hmac-sha256', appLevel: false, subscribes: false },
      rateLimit: { requests: 10, perSeconds: 1 },
    });
    expect(res.body.auth).toEqual([{
      kind: 'api_key',
      fields: [
        { name: 'apiKey', label: 'API key', secret: true, required: true },
        { name: 'region', label: 'Region', secret: false, required: false },
        { name: 'webhookSecret', label: 'Webhook secret', secret: true, required: false },
      ],
    }]);
    const [action] = res.body.actions;
    expect(res.body.actions).toHaveLength(1);
    expect(action).toMatchObject({ name: 'create_contact', description: 'Create a contact', kind: 'write' });
    expect(action.input).toMatchObject({
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, name: { type: 'string', minLength: 1 } },
      required: ['email'],
    });
    expect(action.output).toMatchObject({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] });
    // data only: no functions, no injection templates, no base URL
    expect(JSON.stringify(res.body)).not.toMatch(/\{apiKey\}|inject|fetchPage|checkConnection|api\.good-crm/);
  });

  it('answers 404 problem+json for a plugin that is not loaded, refused or disabled alike', async () => {
    for (const name of ['nope', 'disabled-one', 'incompatible']) {
      const res = await t.http().get(`/api/v1/plugins/${name}`).set(owner.auth).expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, detail: expect.stringContaining(name) });
    }
  });

  it('requires credentials', async () => {
    const list = await t.http().get('/api/v1/plugins').expect(401);
    expect(list.headers['content-type']).toMatch(/application\/problem\+json/);
    await t.http().get('/api/v1/plugins/good-crm').expect(401);
    await t.http().get('/api/v1/plugins').set('Authorization', 'Bearer not-a-token').expect(401);
  });
});

describe('plugin catalog over the real plugins', () => {
  let t: TestApp;
  let owner: TenantSession;

  beforeAll(async () => {
    t = await startTestApp({ label: 'plugins_real' });
    owner = await t.signup('real');
  });
  afterAll(() => t.close());

  it('lists stripe and hubspot with their entities and actions', async () => {
    const res = await t.http().get('/api/v1/plugins').set(owner.auth).expect(200);
    expect(t.plugins.refused).toEqual([]);
    const byName = Object.fromEntries(res.body.data.map((p: { name: string }) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['hubspot', 'stripe']));
    const pick = (p: { entities: { name: string }[]; actions: { name: string }[] }) => ({
      entities: p.entities.map((e) => e.name).sort(),
      actions: p.actions.map((a) => a.name).sort(),
    });
    expect(pick(byName.stripe)).toEqual({ entities: ['customers', 'invoices', 'products', 'subscriptions'], actions: ['create_customer', 'get_customer'] });
    expect(pick(byName.hubspot)).toEqual({ entities: ['companies', 'contacts', 'deals'], actions: ['create_contact', 'get_contact', 'update_contact', 'update_deal'] });
    expect(byName.stripe).toMatchObject({ category: 'payments', webhooks: { supported: true } });
    expect(byName.hubspot.auth.map((a: { kind: string }) => a.kind)).toEqual(['api_key', 'oauth2']);
  });

  it('filters the real catalog', async () => {
    const crm = await t.http().get('/api/v1/plugins?category=crm').set(owner.auth).expect(200);
    expect(crm.body.data.map((p: { name: string }) => p.name)).toEqual(['hubspot']);
    const oauth = await t.http().get('/api/v1/plugins?auth=oauth2').set(owner.auth).expect(200);
    const oauthNames = oauth.body.data.map((p: { name: string }) => p.name);
    expect(oauthNames).toEqual(expect.arrayContaining(['hubspot', 'linkedin', 'twitter', 'youtube']));
    expect(oauthNames).not.toContain('stripe');
    const detail = await t.http().get('/api/v1/plugins/stripe').set(owner.auth).expect(200);
    const create = detail.body.actions.find((a: { name: string }) => a.name === 'create_customer');
    expect(create.input).toMatchObject({ type: 'object' });
    expect(create.output).toMatchObject({ type: 'object' });
  });
});
