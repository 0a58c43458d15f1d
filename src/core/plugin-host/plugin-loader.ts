import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import type { PluginDefinition } from '../plugin-sdk';
import { pluginManifestSchema } from './manifest.schema';

export interface LoadedPlugin {
  definition: PluginDefinition;
  /** the folder or package it came from */
  source: string;
}

export interface RefusedPlugin {
  source: string;
  name?: string;
  reason: string;
}

export interface PluginLoadReport {
  loaded: LoadedPlugin[];
  refused: RefusedPlugin[];
  disabled: string[];
}

export interface DiscoverOptions {
  /** folders whose sub-folders are plugins (src/plugins, or dist/plugins when built) */
  dirs: string[];
  /** node_modules folders to scan for plugboard-plugin-* packages */
  packageDirs: string[];
  disabled: readonly string[];
  coreVersion: string;
  log: (line: string) => void;
}

function pluginEntry(folder: string): string | null {
  for (const f of ['index.js', 'index.ts']) if (existsSync(join(folder, f))) return join(folder, f);
  return null;
}

function candidates(opts: DiscoverOptions): string[] {
  const found: string[] = [];
  for (const dir of opts.dirs) {
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.')) found.push(join(dir, d.name));
    }
  }
  for (const nm of opts.packageDirs) {
    if (!existsSync(nm)) continue;
    for (const d of readdirSync(nm, { withFileTypes: true })) {
      if (d.name.startsWith('plugboard-plugin-')) found.push(join(nm, d.name));
      else if (d.name.startsWith('@') && d.isDirectory()) {
        for (const s of readdirSync(join(nm, d.name))) if (s.startsWith('plugboard-plugin-')) found.push(join(nm, d.name, s));
      }
    }
  }
  return found;
}

function packageEntry(folder: string): string | null {
  const pkgFile = join(folder, 'package.json');
  if (!existsSync(pkgFile)) return pluginEntry(folder);
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { main?: string };
  return join(folder, pkg.main ?? 'index.js');
}

/**
 * Finds every plugin at boot, before the Nest app is built: folders under the plugin dirs and
 * installed plugboard-plugin-* packages. Each is validated and checked against the core version;
 * a bad one is refused with one log line and the rest still boot.
 */
export async function discoverPlugins(opts: DiscoverOptions): Promise<PluginLoadReport> {
  const report: PluginLoadReport = { loaded: [], refused: [], disabled: [] };
  const refuse = (r: RefusedPlugin) => {
    report.refused.push(r);
    opts.log(`plugin refused: ${r.name ?? r.source}: ${r.reason}`);
  };
  for (const source of candidates(opts)) {
    const entry = packageEntry(source);
    if (!entry) {
      refuse({ source, reason: 'no index.ts or index.js' });
      continue;
    }
    let definition: unknown;
    try {
      // A plain absolute path (not a file:// URL) so swc's CJS output still resolves it under Jest.
      const mod = (await import(entry)) as { default?: unknown; plugin?: unknown };
      const fromDefault = unwrapDefault(mod.default);
      // plain CommonJS has no default: the interop hands back the whole exports object, which may carry `plugin`
      definition = hasName(fromDefault) ? fromDefault : (mod.plugin ?? fromDefault);
    } catch (e) {
      refuse({ source, reason: `failed to load: ${(e as Error).message}` });
      continue;
    }
    const parsed = pluginManifestSchema.safeParse(definition);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      refuse({ source, name: (definition as { name?: string })?.name, reason: `invalid manifest: ${issue.path.join('.') || '(root)'} ${issue.message}` });
      continue;
    }
    const def = definition as PluginDefinition;
    if (opts.disabled.includes(def.name)) {
      report.disabled.push(def.name);
      opts.log(`plugin disabled by PLUGINS_DISABLED: ${def.name}`);
      continue;
    }
    if (!semver.satisfies(opts.coreVersion, def.coreVersion, { includePrerelease: true })) {
      refuse({ source, name: def.name, reason: `needs core ${def.coreVersion}, this is ${opts.coreVersion}` });
      continue;
    }
    if (report.loaded.some((p) => p.definition.name === def.name)) {
      refuse({ source, name: def.name, reason: 'a plugin of that name is already loaded' });
      continue;
    }
    report.loaded.push({ definition: def, source });
  }
  return report;
}

function hasName(v: unknown): boolean {
  return !!v && typeof v === 'object' && 'name' in v;
}

/** swc's CJS interop can wrap a default export once more. */
function unwrapDefault(v: unknown): unknown {
  const inner = (v as { default?: unknown } | undefined)?.default;
  return inner && typeof inner === 'object' && 'name' in inner ? inner : v;
}
