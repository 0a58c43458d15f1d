import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../../core/auth';
import { RequestContext } from '../../core/tenancy';
import { cliPrincipal, findTenant } from '../tenant-lookup';

@SubCommand({ name: 'revoke', arguments: '<id>', description: 'Revoke an API key now (see `api-keys list` for ids)' })
export class ApiKeysRevokeCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource, private readonly keys: ApiKeysService, private readonly context: RequestContext) {
    super();
  }

  async run([id]: string[], o: { tenant: string }): Promise<void> {
    const tenant = await findTenant(this.dataSource, o.tenant);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`"${id}" is not an API key id (a UUID; see \`plugboard api-keys list --tenant ${tenant.slug}\`)`);
    await this.context.runAsTenant(cliPrincipal(tenant), () => this.keys.revoke(id));
    process.stdout.write(`API key ${id} of tenant ${tenant.slug} revoked\n`);
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'the tenant that owns the key', required: true })
  parseTenant(v: string): string { return v; }
}
