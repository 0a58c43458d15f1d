import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A plain CommonJS plugin as an npm package would ship it: no TypeScript, no SDK import. */
export function jsPlugin(name: string): string {
  return `const fn = async () => ({ ok: true });
module.exports = { default: {
  name: ${JSON.stringify(name)}, displayName: ${JSON.stringify(name)}, description: 'installed from npm', category: 'other',
  version: '0.0.1', coreVersion: '*', baseUrl: 'https://api.example.test', auth: [{ kind: 'none' }],
  rateLimit: { requests: 1, perSeconds: 1 }, entities: {}, actions: {}, checkConnection: fn,
} };
`;
}

/** Writes `pkgName` (scoped or not) into a node_modules folder, its main file exporting jsPlugin(pluginName). */
export function writePluginPackage(nodeModules: string, pkgName: string, pluginName: string): void {
  const dir = join(nodeModules, ...pkgName.split('/'));
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkgName, version: '0.0.1', main: 'lib/plugin.js' }));
  writeFileSync(join(dir, 'lib', 'plugin.js'), jsPlugin(pluginName));
}
