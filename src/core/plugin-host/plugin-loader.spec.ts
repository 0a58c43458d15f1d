import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsPlugin, writePluginPackage } from '../../../test/support/plugin-packages';
import { discoverPlugins, type DiscoverOptions, type PluginLoadReport } from './plugin-loader';

const FIXTURES = join(__dirname, '../../../test/fixtures/plugins');

async function discover(opts: Partial<DiscoverOptions> = {}): Promise<{ report: PluginLoadReport; lines: string[] }> {
  const lines: string[] = [];
  const report = await discoverPlugins({ dirs: [FIXTURES], packageDirs: [], disabled: [], coreVersion: '0.1.0', log: (l) => lines.push(l), ...opts });
  return { report, lines };
}

function refusal(report: PluginLoadReport, folder: string) {
  return report.refused.find((r) => r.source.endsWith(`/${folder}`));
}

describe('discoverPlugins over the fixture plugins', () => {
  let report: PluginLoadReport;
  let lines: string[];

  beforeAll(async () => {
    ({ report, lines } = await discover({ disabled: ['disabled-one'] }));
  });

  it('loads only the valid, enabled, compatible plugin', () => {
    expect(report.loaded.map((p) => p.definition.name)).toEqual(['good-crm']);
    expect(report.loaded[0].source).toEqual(join(FIXTURES, 'good-crm'));
    expect(Object.keys(report.loaded[0].definition.actions)).toEqual(['create_contact']);
  });

  it('refuses a name that is not a kebab-case slug, naming the field', () => {
    const r = refusal(report, 'malformed');
    expect(r).toMatchObject({ name: 'Malformed Plugin' });
    expect(r!.reason).toMatch(/^invalid manifest: name .*kebab-case/);
  });

  it('refuses an auth kind outside the closed set, naming the path and the allowed kinds', () => {
    const r = refusal(report, 'bad-auth');
    expect(r!.reason).toMatch(/^invalid manifest: auth\.0\.kind /);
    expect(r!.reason).toContain("'api_key' | 'basic' | 'oauth2' | 'none'");
  });

  it('refuses a plugin written for another core version, naming both versions', () => {
    expect(refusal(report, 'incompatible')).toMatchObject({ name: 'incompatible', reason: 'needs core ^9.0.0, this is 0.1.0' });
  });

  it('refuses a plugin whose module throws at import, with the error', () => {
    const r = refusal(report, 'throws-on-load');
    expect(r!.reason).toBe('failed to load: throws-on-load exploded at import');
  });

  it('refuses a second plugin of the same name and keeps the first', () => {
    expect(refusal(report, 'twin-of-good-crm')).toMatchObject({ name: 'good-crm', reason: expect.stringMatching(/already loaded/) });
    expect(report.loaded.find((p) => p.definition.name === 'good-crm')!.definition.displayName).toBe('Good CRM');
  });

  it('reports the disabled plugin as disabled, not refused or loaded', () => {
    expect(report.disabled).toEqual(['disabled-one']);
    expect(refusal(report, 'disabled-one')).toBeUndefined();
    expect(lines).toContain('plugin disabled by PLUGINS_DISABLED: disabled-one');
  });

  it('logs exactly one line per refusal, naming the plugin and the reason', () => {
    expect(report.refused).toHaveLength(5);
    const refusedLines = lines.filter((l) => l.startsWith('plugin refused: '));
    expect(refusedLines).toHaveLength(report.refused.length);
    for (const r of report.refused) {
      expect(refusedLines.filter((l) => l === `plugin refused: ${r.name ?? r.source}: ${r.reason}`)).toHaveLength(1);
    }
  });

  it('loads the disabled one when nothing is disabled, and the incompatible one on a matching core', async () => {
    const enabled = await discover();
    expect(enabled.report.loaded.map((p) => p.definition.name).sort()).toEqual(['disabled-one', 'good-crm']);
    const nine = await discover({ coreVersion: '9.1.0' });
    expect(nine.report.loaded.map((p) => p.definition.name)).toContain('incompatible');
    // good-crm asks for >=0.1.0, so it still loads on core 9
    expect(nine.report.loaded.map((p) => p.definition.name)).toContain('good-crm');
  });
});

describe('discoverPlugins over installed packages and odd folders', () => {
  let root: string;
  let nodeModules: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'pb-plugins-'));
    nodeModules = join(root, 'node_modules');
    writePluginPackage(nodeModules, 'plugboard-plugin-acme', 'acme');
    writePluginPackage(nodeModules, '@someco/plugboard-plugin-widgets', 'widgets');
    // neither is a plugin package by name, so both are ignored even though they look like one
    writePluginPackage(nodeModules, 'left-pad-plugboard', 'not-a-plugin');
    writePluginPackage(nodeModules, '@someco/utils', 'not-scoped-plugin');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('loads plugboard-plugin-* and @scope/plugboard-plugin-* packages through package.json main, and nothing else', async () => {
    const { report } = await discover({ dirs: [], packageDirs: [nodeModules] });
    expect(report.refused).toEqual([]);
    expect(report.loaded.map((p) => [p.definition.name, p.source]).sort()).toEqual([
      ['acme', join(nodeModules, 'plugboard-plugin-acme')],
      ['widgets', join(nodeModules, '@someco', 'plugboard-plugin-widgets')],
    ]);
    expect(typeof report.loaded[0].definition.checkConnection).toBe('function');
  });

  it('loads folder plugins and packages together, and refuses a package that repeats a folder plugin name', async () => {
    const nm = join(root, 'dup', 'node_modules');
    writePluginPackage(nm, 'plugboard-plugin-good-crm', 'good-crm');
    const { report } = await discover({ packageDirs: [nm], disabled: ['disabled-one'] });
    expect(report.loaded.map((p) => p.source)).toEqual([join(FIXTURES, 'good-crm')]);
    expect(refusal(report, 'plugboard-plugin-good-crm')).toMatchObject({ name: 'good-crm', reason: expect.stringMatching(/already loaded/) });
  });

  it('refuses a folder without an index, skips _ and . folders, and ignores missing dirs', async () => {
    const dir = join(root, 'plugins');
    mkdirSync(join(dir, 'empty-folder'), { recursive: true });
    mkdirSync(join(dir, '_shared'), { recursive: true });
    writeFileSync(join(dir, '_shared', 'index.js'), 'throw new Error("must not be imported")');
    mkdirSync(join(dir, '.cache'), { recursive: true });
    const { report, lines } = await discover({ dirs: [dir, join(root, 'does-not-exist')], packageDirs: [join(root, 'nope')] });
    expect(report.loaded).toEqual([]);
    expect(report.refused).toEqual([{ source: join(dir, 'empty-folder'), reason: 'no index.ts or index.js' }]);
    expect(lines).toEqual([`plugin refused: ${join(dir, 'empty-folder')}: no index.ts or index.js`]);
  });

  it('accepts a CommonJS module exporting `plugin` or the definition itself, and refuses one exporting neither', async () => {
    const dir = join(root, 'plugins-cjs');
    for (const f of ['named', 'whole', 'nothing']) mkdirSync(join(dir, f), { recursive: true });
    writeFileSync(join(dir, 'named', 'index.js'), jsPlugin('named').replace('module.exports = { default: {', 'exports.plugin = {').replace(/\} \};\n$/, '};\n'));
    writeFileSync(join(dir, 'whole', 'index.js'), jsPlugin('whole').replace('module.exports = { default: {', 'module.exports = {').replace(/\} \};\n$/, '};\n'));
    writeFileSync(join(dir, 'nothing', 'index.js'), 'module.exports = { something: 1 };');
    const { report } = await discover({ dirs: [dir] });
    expect(report.loaded.map((p) => p.definition.name)).toEqual(['named', 'whole']);
    expect(report.refused).toEqual([{ source: join(dir, 'nothing'), name: undefined, reason: expect.stringMatching(/^invalid manifest: name /) }]);
  });
});
