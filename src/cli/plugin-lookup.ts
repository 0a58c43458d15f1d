import type { PluginRegistry } from '../core/plugin-host';
import type { PluginDefinition } from '../core/plugin-sdk';
import { UnknownNameError } from './name-suggestion';

/** A loaded plugin by name; a disabled or refused one is named as such, a typo gets a suggestion. */
export function findPlugin(registry: PluginRegistry, name: string): PluginDefinition {
  const plugin = registry.get(name);
  if (plugin) return plugin;
  if (registry.disabled.includes(name)) throw new Error(`plugin "${name}" is disabled (PLUGINS_DISABLED)`);
  const refused = registry.refused.find((r) => r.name === name);
  if (refused) throw new Error(`plugin "${name}" was refused at boot: ${refused.reason}`);
  throw new UnknownNameError('plugin', name, registry.list().map((p) => p.name).sort());
}
