import { Body, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { SyncFlowApplier } from '../../integrations/sync-flows';
import { AdminController, cursorText, readQuery } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { AdminTenantContext, scopeOf, uuidOr404, type AdminRequest } from '../admin-scope';
import { ConflictsQuery } from '../queries/conflicts.query';
import { TenantsQuery } from '../queries/tenants.query';

/** Conflicts of manual sync flows, both sides side by side; resolving is the sync-flows area's own applier. */
@AdminController('admin/conflicts')
export class AdminConflictsController {
  constructor(
    private readonly pages: AdminPages,
    private readonly conflicts: ConflictsQuery,
    private readonly tenants: TenantsQuery,
    private readonly tenantContext: AdminTenantContext,
    private readonly applier: SyncFlowApplier,
  ) {}

  @Get()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ tenant: z.string(), status: z.enum(['open', 'resolved']), cursor: cursorText }, query);
    const scope = scopeOf(req.adminSession!, q.tenant);
    const status = q.status ?? 'open';
    const [page, filter] = await Promise.all([this.conflicts.list(scope, status, q.cursor), this.tenants.filterOf(req.adminSession!, scope)]);
    await this.pages.page(req, reply, 'conflicts', { title: 'Conflicts', section: 'conflicts', q, status, page, filter });
  }

  @Post(':id/resolve')
  async resolve(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string, @Body() body: unknown): Promise<void> {
    const id = uuidOr404(idParam, 'conflict');
    const tenantId = await this.conflicts.tenantOf(scopeOf(req.adminSession!), id);
    const form = z.object({ choose: z.enum(['source', 'target']) }).safeParse(body);
    await this.pages.act(req, reply, '/admin/conflicts', async () => {
      if (!form.success) return { flash: { kind: 'error', text: 'Choose the source or the target values.' } };
      await this.tenantContext.run(req, tenantId, () => this.applier.resolve(id, { choose: form.data.choose }));
      return { flash: { kind: 'ok', text: `Conflict resolved with the ${form.data.choose}'s values.` } };
    });
  }
}
