import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { RequestContext } from '../../core/tenancy';
import { ConnectionsService } from '../../integrations/connections';
import { cliPrincipal, findTenant } from '../tenant-lookup';

@SubCommand({
  name: 'set-base-url',
  arguments: '<id> <url>',
  description: "Point one connection at another API root (a sandbox, a regional host); 'none' clears it. Operators only: tenants cannot set this",
})
export class ConnectionsSetBaseUrlCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource, private readonly connections: ConnectionsService, private readonly context: RequestContext) {
    super();
  }

  async run([id, url]: string[], o: { tenant: string }): Promise<void> {
    const tenant = await findTenant(this.dataSource, o.tenant);
    const view = await this.context.runAsTenant(cliPrincipal(tenant), () => this.connections.setBaseUrl(id, url === 'none' ? null : url));
    process.stderr.write(`connection ${view.id} (${view.plugin}, "${view.name}") of tenant ${tenant.slug}: base URL ${url === 'none' ? 'cleared' : `set to ${url}`}\n`);
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'the tenant that owns the connection', required: true })
  parseTenant(v: string): string { return v; }
}
