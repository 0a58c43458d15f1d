import { Option, SubCommand } from 'nest-commander';
import { ConnectionsService } from '../../integrations/connections';
import { printJson } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';
import { ConnectionScope } from '../connection-scope';

@SubCommand({ name: 'test', arguments: '<idOrName>', description: "Run the plugin's connection check now and record the status it finds; exit code 1 if it fails" })
export class ConnectionsTestCommand extends JsonOutputCommand {
  constructor(private readonly scope: ConnectionScope, private readonly connections: ConnectionsService) {
    super();
  }

  async run([idOrName]: string[], o: { tenant?: string; json?: boolean }): Promise<void> {
    const found = await this.scope.find({ tenant: o.tenant, connection: idOrName });
    if (found.length > 1) throw new Error(`"${idOrName}" names connections in ${found.length} tenants (${found.map((f) => f.tenant.slug).join(', ')}); add --tenant`);
    const [{ tenant, connection }] = found;
    const check = await this.scope.inTenant(tenant, () => this.connections.test(connection.id, 'operator test (CLI)'));
    if (o.json) printJson({ tenant: tenant.slug, connectionId: connection.id, name: connection.name, plugin: connection.plugin, ...check });
    else process.stdout.write(`${check.ok ? 'ok' : 'failed'}  ${tenant.slug} ${connection.name} (${connection.plugin}) in ${check.latencyMs}ms${check.account ? `: account ${check.account}` : ''}${check.detail ? `: ${check.detail}` : ''}\n`);
    if (!check.ok) process.exitCode = 1;
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'the tenant that owns the connection (needed only when a name is used in several)' })
  parseTenant(v: string): string { return v; }
}
