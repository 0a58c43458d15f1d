import { CommandRunner, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { Tenant } from '../../core/tenancy';

@SubCommand({ name: 'list', description: 'List tenants with their plan and status' })
export class TenantsListCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(): Promise<void> {
    const tenants = await this.dataSource.manager.find(Tenant, { order: { createdAt: 'ASC' } });
    for (const t of tenants) process.stdout.write(`${t.id}  ${t.slug.padEnd(24)} ${t.plan.padEnd(13)} ${t.status}\n`);
    process.stdout.write(`${tenants.length} tenant(s)\n`);
  }
}
