import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { version as coreVersion } from '../../package.json';
import { pluginManifestSchema } from '../../src/core/plugin-host/manifest.schema';
import { UNIFIED_MODELS, type PluginDefinition } from '../../src/core/plugin-sdk';
import goodCrm from '../fixtures/plugins/good-crm';

// The shared contract every real plugin meets. Plugins are found by reading the folder, so a new one is covered without touching this file.
const PLUGINS_DIR = join(__dirname, '../../src/plugins');
const folders = readdirSync(PLUGINS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.'))
  .map((d) => d.name)
  .sort();

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SECRET_LOOKING = /token|secret|key|password/i;
const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

async function load(folder: string): Promise<PluginDefinition> {
  const mod = (await import(join(PLUGINS_DIR, folder, 'index'))) as { default: PluginDefinition };
  return mod.default;
}

function isZod(v: unknown): boolean {
  return typeof (v as { safeParse?: unknown })?.safeParse === 'function' && typeof (v as { parse?: unknown })?.parse === 'function';
}

/** Every way a plugin can break the contract, as readable lines; [] when it meets it. */
function manifestProblems(p: PluginDefinition, folder: string): string[] {
  const out: string[] = [];
  const parsed = pluginManifestSchema.safeParse(p);
  if (!parsed.success) out.push(...parsed.error.issues.map((i) => `manifest: ${i.path.join('.')}: ${i.message}`));
  if (typeof p.name !== 'string' || !KEBAB.test(p.name)) out.push(`name ${JSON.stringify(p.name)} is not kebab-case`);
  if (p.name !== folder) out.push(`name ${JSON.stringify(p.name)} differs from its folder ${folder}`);
  if (semver.valid(p.version) === null) out.push(`version ${JSON.stringify(p.version)} is not semver`);
  if (semver.validRange(p.coreVersion) === null || !semver.satisfies(coreVersion, p.coreVersion, { includePrerelease: true })) {
    out.push(`coreVersion ${JSON.stringify(p.coreVersion)} is not satisfied by core ${coreVersion}`);
  }
  const entities = Object.entries(p.entities ?? {});
  const actions = Object.entries(p.actions ?? {});
  const keys = [...entities, ...actions].map(([k]) => k);
  for (const k of keys) if (!SNAKE.test(k)) out.push(`key ${k} is not snake_case`);
  // a record cannot repeat a key; an entity and an action must not share one either
  for (const k of new Set(keys)) if (keys.filter((x) => x === k).length > 1) out.push(`key ${k} is used twice`);
  if (keys.length === 0) out.push('declares no entities and no actions');
  for (const [k, a] of actions) {
    if (typeof a.description !== 'string' || !a.description.trim()) out.push(`action ${k} has no description`);
    if (!['read', 'write', 'destructive'].includes(a.kind)) out.push(`action ${k} kind ${JSON.stringify(a.kind)} is not read|write|destructive`);
    if (!isZod(a.input)) out.push(`action ${k} input is not a zod schema`);
    if (!isZod(a.output)) out.push(`action ${k} output is not a zod schema`);
    if (typeof a.run !== 'function') out.push(`action ${k} has no run()`);
  }
  for (const [k, e] of entities) {
    if (!(UNIFIED_MODELS as readonly string[]).includes(e.model)) out.push(`entity ${k} maps to unknown model ${JSON.stringify(e.model)}`);
    for (const fn of ['fetchPage', 'externalId', 'remoteUpdatedAt', 'toUnified'] as const) if (typeof e[fn] !== 'function') out.push(`entity ${k} has no ${fn}()`);
  }
  for (const a of p.auth ?? []) {
    for (const [name, f] of Object.entries(a.fields ?? {})) {
      if (typeof f.label !== 'string' || !f.label.trim()) out.push(`auth ${a.kind} field ${name} has no label`);
      if (typeof f.secret !== 'boolean') out.push(`auth ${a.kind} field ${name} has no secret flag`);
      else if (SECRET_LOOKING.test(name) && !f.secret) out.push(`auth ${a.kind} field ${name} looks secret but is not marked secret`);
    }
  }
  if (typeof p.checkConnection !== 'function') out.push('has no checkConnection()');
  if (typeof p.simulator !== 'function') out.push('has no simulator loader');
  return out;
}

it('finds the real plugins (the contract is not vacuous)', () => {
  expect(folders).toEqual(expect.arrayContaining(['hubspot', 'stripe']));
});

describe.each(folders)('plugin %s', (folder) => {
  let p: PluginDefinition;
  beforeAll(async () => {
    p = await load(folder);
  });

  it('meets the manifest contract', () => {
    expect(manifestProblems(p, folder)).toEqual([]);
  });

  it('ships a simulator that starts on loopback and closes', async () => {
    const { startSimulator } = await p.simulator!();
    const sim = await startSimulator({ seed: 1 });
    try {
      expect(sim.url).toMatch(LOOPBACK);
      expect(typeof sim.credentials).toBe('object');
      const res = await fetch(sim.url);
      expect(res.status).toBeGreaterThanOrEqual(200);
    } finally {
      await sim.close();
    }
    await expect(fetch(sim.url)).rejects.toThrow();
  });
});

describe('the contract check itself', () => {
  it('passes the good fixture plugin and names every breach in a broken one', () => {
    // the fixture ships no simulator; only the loader's presence is checked statically
    const good: PluginDefinition = { ...goodCrm, simulator: () => Promise.reject(new Error('not started here')) };
    expect(manifestProblems(good, 'good-crm')).toEqual([]);
    const [auth] = good.auth as [{ kind: 'api_key'; fields: Record<string, { label: string; secret: boolean }>; inject: [] }];
    const bad = {
      ...good,
      name: 'Good_CRM', version: 'one', coreVersion: '^9.0.0',
      auth: [{ ...auth, fields: { ...auth.fields, apiKey: { label: '', secret: false }, accessToken: { label: 'Token', secret: false } } }],
      entities: { Contacts: { ...good.entities.contacts, model: 'person' } },
      actions: { 'create-contact': { ...good.actions.create_contact, description: ' ', kind: 'delete', output: {} } },
      checkConnection: undefined, simulator: undefined,
    } as unknown as PluginDefinition;
    const problems = manifestProblems(bad, 'good-crm');
    for (const expected of [
      /^manifest: /, /name "Good_CRM" is not kebab-case/, /differs from its folder good-crm/, /version "one" is not semver/,
      /coreVersion "\^9\.0\.0" is not satisfied/, /key Contacts is not snake_case/, /key create-contact is not snake_case/,
      /action create-contact has no description/, /kind "delete"/, /action create-contact output is not a zod schema/,
      /entity Contacts maps to unknown model "person"/, /field apiKey has no label/, /field apiKey looks secret/,
      /field accessToken looks secret/, /no checkConnection/, /no simulator loader/,
    ]) {
      expect(problems).toContainEqual(expect.stringMatching(expected));
    }
    const twice = { ...good, entities: { contacts: good.entities.contacts }, actions: { contacts: good.actions.create_contact } } as unknown as PluginDefinition;
    expect(manifestProblems(twice, 'good-crm')).toContain('key contacts is used twice');
  });
});
