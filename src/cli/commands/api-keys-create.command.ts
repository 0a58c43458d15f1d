import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { API_KEY_SCOPES, ApiKeysService, type ApiKeyScope } from '../../core/auth';
import { RequestContext } from '../../core/tenancy';
import { cliPrincipal, findTenant } from '../tenant-lookup';

@SubCommand({ name: 'create', description: "Create an API key for a tenant; prints the secret once" })
export class ApiKeysCreateCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource, private readonly keys: ApiKeysService, private readonly context: RequestContext) {
    super();
  }

  async run(_args: string[], o: { tenant: string; name: string; scopes?: ApiKeyScope[] }): Promise<void> {
    const tenant = await findTenant(this.dataSource, o.tenant);
    const key = await this.context.runAsTenant(cliPrincipal(tenant), () => this.keys.create({ name: o.name, scopes: o.scopes ?? ['read', 'write'] }));
    process.stdout.write(`${key.key}\n`);
    process.stderr.write(`API key ${key.id} (${key.scopes.join(',')}) for tenant ${tenant.slug}; the secret above is not stored and will not be shown again\n`);
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'the tenant', required: true })
  parseTenant(v: string): string { return v; }

  @Option({ flags: '--name <name>', description: 'what the key is for', required: true })
  parseName(v: string): string { return v; }

  @Option({ flags: '--scopes <scopes>', description: `comma-separated: ${API_KEY_SCOPES.join(', ')} (default read,write)` })
  parseScopes(v: string): ApiKeyScope[] {
    const scopes = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = scopes.find((s) => !API_KEY_SCOPES.includes(s as ApiKeyScope));
    if (bad || !scopes.length) throw new Error(`--scopes must list ${API_KEY_SCOPES.join(', ')}`);
    return scopes as ApiKeyScope[];
  }
}
