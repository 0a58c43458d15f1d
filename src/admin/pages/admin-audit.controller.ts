import { Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminController, readQuery } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { scopeOf, type AdminRequest } from '../admin-scope';
import { AuditQuery } from '../queries/audit.query';
import { TenantsQuery } from '../queries/tenants.query';

const ACTOR_TYPES = ['user', 'api_key', 'operator', 'anonymous'] as const;
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Who did what: the audit log, filtered by actor kind, method, route and outcome. */
@AdminController('admin/audit')
export class AdminAuditController {
  constructor(private readonly pages: AdminPages, private readonly audit: AuditQuery, private readonly tenants: TenantsQuery) {}

  @Get()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({
      tenant: z.string(), actor: z.enum(ACTOR_TYPES), method: z.enum(METHODS), route: z.string().trim().min(1).max(200),
      status: z.enum(['2', '3', '4', '5']), cursor: z.string().max(20),
    }, query);
    const scope = scopeOf(req.adminSession!, q.tenant);
    const [page, filter] = await Promise.all([
      this.audit.list(scope, { actorType: q.actor, method: q.method, route: q.route, statusClass: q.status ? Number(q.status) : undefined }, q.cursor),
      this.tenants.filterOf(req.adminSession!, scope),
    ]);
    await this.pages.page(req, reply, 'audit', { title: 'Audit log', section: 'audit', q, page, actorTypes: ACTOR_TYPES, methods: METHODS, filter });
  }
}
