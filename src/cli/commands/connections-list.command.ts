import { Option, SubCommand } from 'nest-commander';
import { PluginRegistry } from '../../core/plugin-host';
import { printRows } from '../cli-output';
import { ConnectionScope } from '../connection-scope';
import { JsonOutputCommand } from '../json-output-command';
import { findPlugin } from '../plugin-lookup';

@SubCommand({ name: 'list', description: 'Connections with their status (every tenant, or one); credentials stay masked' })
export class ConnectionsListCommand extends JsonOutputCommand {
  constructor(private readonly scope: ConnectionScope, private readonly registry: PluginRegistry) {
    super();
  }

  async run(_args: string[], o: { tenant?: string; plugin?: string; json?: boolean }): Promise<void> {
    if (o.plugin) findPlugin(this.registry, o.plugin);
    const rows = (await this.scope.find({ tenant: o.tenant, plugin: o.plugin })).map(({ tenant, connection }) => ({ tenant: tenant.slug, ...connection }));
    printRows(rows, [
      { header: 'TENANT', value: (c) => c.tenant },
      { header: 'ID', value: (c) => c.id },
      { header: 'NAME', value: (c) => c.name },
      { header: 'PLUGIN', value: (c) => c.plugin },
      { header: 'AUTH', value: (c) => c.authKind },
      { header: 'STATUS', value: (c) => c.status },
      { header: 'TOKEN EXPIRES', value: (c) => c.tokenExpiresAt?.toISOString() },
      { header: 'REASON', value: (c) => c.statusReason },
    ], o.json);
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'only this tenant (default: every active tenant)' })
  parseTenant(v: string): string { return v; }

  @Option({ flags: '--plugin <name>', description: 'only connections of this plugin' })
  parsePlugin(v: string): string { return v; }
}
