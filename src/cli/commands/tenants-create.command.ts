import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { AuthService } from '../../core/auth';
import { PLAN_IDS, Tenant, type PlanId } from '../../core/tenancy';
import { checkPassword } from '../account-options';

interface Opts { name: string; email: string; password: string; plan?: PlanId }

@SubCommand({ name: 'create', description: 'Create a tenant and its owner (as signup does)' })
export class TenantsCreateCommand extends CommandRunner {
  constructor(private readonly auth: AuthService, private readonly dataSource: DataSource) {
    super();
  }

  async run(_args: string[], o: Opts): Promise<void> {
    if (!o.name || !o.email || !o.password) throw new Error('--name, --email and --password are required');
    const s = await this.auth.signup({ tenantName: o.name, email: o.email, password: o.password });
    if (o.plan) await this.dataSource.manager.update(Tenant, { id: s.tenant.id }, { plan: o.plan });
    process.stdout.write(`tenant ${s.tenant.id} (${s.tenant.slug}) on plan ${o.plan ?? s.tenant.plan}; owner ${s.user.email}\n`);
  }

  @Option({ flags: '--name <name>', description: 'tenant name', required: true })
  parseName(v: string): string { return v; }

  @Option({ flags: '--email <email>', description: "the owner's email", required: true })
  parseEmail(v: string): string { return v; }

  @Option({ flags: '--password <password>', description: "the owner's password (10+ characters)", required: true })
  parsePassword(v: string): string { return checkPassword(v); }

  @Option({ flags: '--plan <plan>', description: `one of ${PLAN_IDS.join(', ')}` })
  parsePlan(v: string): PlanId {
    if (!PLAN_IDS.includes(v as PlanId)) throw new Error(`--plan must be one of ${PLAN_IDS.join(', ')}`);
    return v as PlanId;
  }
}
