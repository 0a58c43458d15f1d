import { Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminController, cursorText, readQuery } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { isUuid, scopeOf, uuidOr404, type AdminRequest } from '../admin-scope';
import { SyncRunsQuery } from '../queries/sync-runs.query';
import { TenantsQuery } from '../queries/tenants.query';

const RUN_STATUSES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;

/** Sync runs: newest first, and a run's page whose progress refreshes itself while the run is active. */
@AdminController('admin/sync-runs')
export class AdminSyncRunsController {
  constructor(private readonly pages: AdminPages, private readonly runs: SyncRunsQuery, private readonly tenants: TenantsQuery) {}

  @Get()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ tenant: z.string(), status: z.enum(RUN_STATUSES), connection: z.string(), cursor: cursorText }, query);
    const scope = scopeOf(req.adminSession!, q.tenant);
    const [page, filter] = await Promise.all([
      this.runs.list(scope, { status: q.status, connectionId: isUuid(q.connection) ? q.connection : undefined }, q.cursor), this.tenants.filterOf(req.adminSession!, scope),
    ]);
    await this.pages.page(req, reply, 'sync-runs', { title: 'Sync runs', section: 'sync-runs', q, page, statuses: RUN_STATUSES, filter });
  }

  @Get(':id')
  async detail(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const run = await this.runs.get(scopeOf(req.adminSession!), uuidOr404(id, 'sync run'));
    await this.pages.page(req, reply, 'sync-run', { title: `Sync run of ${run.entity}`, section: 'sync-runs', run, live: isLive(run.status) });
  }

  /** The progress block alone, which the page's script fetches every second or so while the run is queued or running. */
  @Get(':id/progress')
  async progress(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const run = await this.runs.get(scopeOf(req.adminSession!), uuidOr404(id, 'sync run'));
    await this.pages.fragment(req, reply, 'run-progress', { run, live: isLive(run.status) });
  }
}

function isLive(status: string): boolean {
  return status === 'queued' || status === 'running';
}
