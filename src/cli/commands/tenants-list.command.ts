import { SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { Tenant } from '../../core/tenancy';
import { printRows } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';

@SubCommand({ name: 'list', description: 'List tenants with their plan and status' })
export class TenantsListCommand extends JsonOutputCommand {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    const tenants = await this.dataSource.manager.find(Tenant, { order: { createdAt: 'ASC' } });
    printRows(tenants.map((t) => ({ id: t.id, slug: t.slug, name: t.name, plan: t.plan, status: t.status, createdAt: t.createdAt })), [
      { header: 'ID', value: (t) => t.id },
      { header: 'SLUG', value: (t) => t.slug },
      { header: 'NAME', value: (t) => t.name },
      { header: 'PLAN', value: (t) => t.plan },
      { header: 'STATUS', value: (t) => t.status },
    ], o.json);
  }
}
