import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePluginPackage } from '../support/plugin-packages';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A plugin installed as a plugboard-plugin-* package is a custom plugin: connecting one needs a plan
 * with custom_plugins (shipped plugins are connected on Free in billing.e2e-spec).
 */
describe('custom plugins and the plan', () => {
  let root: string;
  let a: TestApp;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'pb-custom-plugins-'));
    writePluginPackage(join(root, 'node_modules'), '@acme/plugboard-plugin-acme-crm', 'acme-crm');
    a = await startTestApp({ label: 'custom_plugins', packageDirs: [join(root, 'node_modules')] });
  });
  afterAll(async () => {
    await a?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses to connect an installed plugin below Enterprise with a 402 naming the feature and the plan that has it, and connects it on Enterprise', async () => {
    expect(a.plugins.loaded.map((p) => p.definition.name)).toContain('acme-crm');
    const s = await a.signup('custom');
    const connect = () => a.http().post('/api/v1/connections').set(s.auth).send({ plugin: 'acme-crm', name: 'Acme CRM', credentials: {} });

    for (const plan of ['free', 'professional'] as const) {
      await a.setPlan(s.tenantId, plan);
      const refused = await connect().expect(402);
      expect(refused.body).toMatchObject({ limit: 'custom_plugins', plan, upgrade: { plans: [{ plan: 'enterprise', name: 'Enterprise' }] } });
      expect(refused.body.detail).toMatch(/custom plugins/);
    }
    expect((await a.http().get('/api/v1/connections').set(s.auth).expect(200)).body.data).toEqual([]);

    await a.setPlan(s.tenantId, 'enterprise');
    const made = await connect().expect(201);
    expect(made.body).toMatchObject({ plugin: 'acme-crm', name: 'Acme CRM' });
    expect((await a.http().get('/api/v1/connections').set(s.auth).expect(200)).body.data).toHaveLength(1);
  });
});
