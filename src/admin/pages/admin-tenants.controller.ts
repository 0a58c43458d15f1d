import { Get, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Entitlements, PlanCatalog } from '../../billing';
import { PLAN_IDS, type PlanId } from '../../core/tenancy';
import { AdminController, cursorText, readQuery, searchText } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { AdminTenantContext, scopeOf, uuidOr404, type AdminRequest } from '../admin-scope';
import { usageRows } from '../views/usage-rows';
import { ConnectionsQuery } from '../queries/connections.query';
import { SyncRunsQuery } from '../queries/sync-runs.query';
import { TenantsQuery } from '../queries/tenants.query';
import { OperatorOnly } from '../session/admin-session.guard';

/** Tenants: the list is the operators'; a tenant's page is also its owner's. */
@AdminController('admin/tenants')
export class AdminTenantsController {
  constructor(
    private readonly pages: AdminPages,
    private readonly tenants: TenantsQuery,
    private readonly connections: ConnectionsQuery,
    private readonly runs: SyncRunsQuery,
    private readonly catalog: PlanCatalog,
    private readonly entitlements: Entitlements,
    private readonly tenantContext: AdminTenantContext,
  ) {}

  @Get()
  @OperatorOnly()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ q: searchText, plan: z.enum(PLAN_IDS as [string, ...string[]]), cursor: cursorText }, query);
    const [page, plans] = await Promise.all([this.tenants.list(q, q.cursor), this.catalog.list()]);
    const limits = new Map(plans.map((p) => [p.id, p]));
    // usage against the plan's limits, from the billing area's plan table (null: unlimited)
    const rows = page.rows.map((t) => ({ ...t, maxConnections: limits.get(t.plan as PlanId)?.maxConnections ?? null, maxUsers: limits.get(t.plan as PlanId)?.maxUsers ?? null }));
    await this.pages.page(req, reply, 'tenants', { title: 'Tenants', section: 'tenants', q, plans: PLAN_IDS, page: { ...page, rows } });
  }

  @Get(':id')
  async detail(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string): Promise<void> {
    const session = req.adminSession!;
    const id = uuidOr404(idParam, 'tenant');
    if (session.role === 'owner' && session.tenantId !== id) throw new NotFoundException(`no tenant ${id}`);
    const scope = scopeOf(session, id);
    const [tenant, users, records, connections, runs, usage] = await Promise.all([
      this.tenants.get(id), this.tenants.users(id), this.tenants.records(id),
      this.connections.list(scope, {}, undefined, 20), this.runs.list(scope, {}, undefined, 10),
      this.tenantContext.run(req, id, () => this.entitlements.view()),
    ]);
    await this.pages.page(req, reply, 'tenant', {
      title: tenant.name, section: session.role === 'operator' ? 'tenants' : 'tenant', tenant, users, records, connections, runs, usage, limits: usageRows(usage),
    });
  }
}
