import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { UsersService } from '../../core/auth';
import { RequestContext, USER_ROLES, type UserRole } from '../../core/tenancy';
import { cliPrincipal, findTenant } from '../tenant-lookup';
import { checkPassword } from '../account-options';

const ROLES = USER_ROLES.filter((r): r is Exclude<UserRole, 'owner'> => r !== 'owner');
type Role = (typeof ROLES)[number];

interface Opts { tenant: string; email: string; password: string; name?: string; role?: Role }

@SubCommand({ name: 'create', description: "Add a user (admin or member) to a tenant, as POST /api/v1/users does" })
export class UsersCreateCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource, private readonly users: UsersService, private readonly context: RequestContext) {
    super();
  }

  async run(_args: string[], o: Opts): Promise<void> {
    const tenant = await findTenant(this.dataSource, o.tenant);
    const user = await this.context.runAsTenant(cliPrincipal(tenant), () => this.users.create({ email: o.email, password: o.password, name: o.name, role: o.role ?? 'member' }));
    process.stdout.write(`user ${user.id} ${user.email} (${user.role}) in tenant ${tenant.slug}\n`);
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'the tenant', required: true })
  parseTenant(v: string): string { return v; }

  @Option({ flags: '--email <email>', description: "the user's email (their login)", required: true })
  parseEmail(v: string): string {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) throw new Error('--email must be an email address');
    return v;
  }

  @Option({ flags: '--password <password>', description: '10+ characters', required: true })
  parsePassword(v: string): string { return checkPassword(v); }

  @Option({ flags: '--name <name>', description: 'display name' })
  parseName(v: string): string { return v; }

  @Option({ flags: '--role <role>', description: `${ROLES.join(' or ')} (default member)` })
  parseRole(v: string): Role {
    if (!ROLES.includes(v as Role)) throw new Error(`--role must be ${ROLES.join(' or ')}`);
    return v as Role;
  }
}
