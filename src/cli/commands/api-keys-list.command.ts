import { Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../../core/auth';
import { RequestContext } from '../../core/tenancy';
import { printRows } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';
import { cliPrincipal, findTenant } from '../tenant-lookup';

@SubCommand({ name: 'list', description: "A tenant's API keys (prefixes only: secrets are never stored)" })
export class ApiKeysListCommand extends JsonOutputCommand {
  constructor(private readonly dataSource: DataSource, private readonly keys: ApiKeysService, private readonly context: RequestContext) {
    super();
  }

  async run(_args: string[], o: { tenant: string; json?: boolean }): Promise<void> {
    const tenant = await findTenant(this.dataSource, o.tenant);
    const keys = await this.context.runAsTenant(cliPrincipal(tenant), () => this.keys.list());
    printRows(keys, [
      { header: 'ID', value: (k) => k.id },
      { header: 'NAME', value: (k) => k.name },
      { header: 'PREFIX', value: (k) => k.prefix },
      { header: 'SCOPES', value: (k) => k.scopes.join(',') },
      { header: 'LAST USED', value: (k) => k.lastUsedAt?.toISOString() },
      { header: 'REVOKED', value: (k) => k.revokedAt?.toISOString() },
    ], o.json);
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'the tenant', required: true })
  parseTenant(v: string): string { return v; }
}
