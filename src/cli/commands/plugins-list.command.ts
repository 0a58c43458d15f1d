import { SubCommand } from 'nest-commander';
import { PluginRegistry } from '../../core/plugin-host';
import { printRows } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';

interface PluginRow {
  name: string;
  status: 'loaded' | 'refused' | 'disabled';
  version: string | null;
  category: string | null;
  entities: string[];
  actions: string[];
  /** why a plugin was refused, or where a refused one came from */
  detail: string | null;
}

@SubCommand({ name: 'list', description: 'Plugins loaded, refused (with the reason) and disabled' })
export class PluginsListCommand extends JsonOutputCommand {
  constructor(private readonly registry: PluginRegistry) {
    super();
  }

  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    const rows: PluginRow[] = [
      ...this.registry.catalog().map((p) => ({
        name: p.name, status: 'loaded' as const, version: p.version, category: p.category,
        entities: p.entities.map((e) => e.name), actions: p.actions.map((a) => a.name), detail: null,
      })),
      ...this.registry.refused.map((r) => ({ name: r.name ?? r.source, status: 'refused' as const, version: null, category: null, entities: [], actions: [], detail: r.reason })),
      ...this.registry.disabled.map((d) => ({ name: d, status: 'disabled' as const, version: null, category: null, entities: [], actions: [], detail: 'PLUGINS_DISABLED' })),
    ];
    printRows(rows, [
      { header: 'NAME', value: (r) => r.name },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'VERSION', value: (r) => r.version },
      { header: 'CATEGORY', value: (r) => r.category },
      { header: 'ENTITIES', value: (r) => r.entities.join(',') },
      { header: 'ACTIONS', value: (r) => r.actions.join(',') },
      { header: 'DETAIL', value: (r) => r.detail },
    ], o.json);
  }
}
