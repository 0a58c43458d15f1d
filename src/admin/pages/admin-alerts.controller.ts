import { Body, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AlertChannelsService, AlertEngine } from '../../monitoring';
import { AdminController, readQuery, searchText } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { isUuid, uuidOr404, type AdminRequest } from '../admin-scope';
import { TenantSections } from '../tenant-sections.service';

const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
const TenantQuery = { tenant: z.string(), q: searchText, cursor: z.string().max(100) };

/** Alerts and incidents of a tenant: acknowledge, resolve, the timeline; its alert channels with a test button. */
@AdminController('admin/alerts')
export class AdminAlertsController {
  constructor(
    private readonly pages: AdminPages,
    private readonly sections: TenantSections,
    private readonly alerts: AlertEngine,
    private readonly channels: AlertChannelsService,
  ) {}

  @Get()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ ...TenantQuery, status: z.enum(ALERT_STATUSES) }, query);
    await this.sections.show(req, reply, q, { view: 'alerts', section: 'alerts', title: 'Alerts and incidents', path: '/admin/alerts' }, async () => ({
      q, statuses: ALERT_STATUSES,
      page: await this.alerts.list({ status: q.status, limit: 50, cursor: isUuid(q.cursor) ? q.cursor : undefined }),
      channels: await this.channels.list(),
    }));
  }

  @Get(':id')
  async detail(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: unknown): Promise<void> {
    const q = readQuery(TenantQuery, query);
    await this.sections.show(req, reply, q, { view: 'alert', section: 'alerts', title: 'Incident', path: `/admin/alerts/${id}` }, async () => ({
      alert: await this.alerts.get(uuidOr404(id, 'alert')),
    }));
  }

  @Post(':id/acknowledge')
  acknowledge(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: { tenant?: string; note?: string }): Promise<void> {
    return this.act(req, reply, id, body, async (alertId, note) => `Acknowledged: ${(await this.alerts.acknowledge(alertId, note)).title}`);
  }

  @Post(':id/resolve')
  resolve(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: { tenant?: string; note?: string }): Promise<void> {
    return this.act(req, reply, id, body, async (alertId, note) => `Resolved: ${(await this.alerts.resolve(alertId, note)).title}`);
  }

  @Post('channels/:id/test')
  async testChannel(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: { tenant?: string }): Promise<void> {
    const tenantId = this.sections.chosenOr404(req, body?.tenant);
    await this.pages.act(req, reply, `/admin/alerts?tenant=${tenantId}`, async () => {
      const r = await this.sections.run(req, tenantId, () => this.channels.test(uuidOr404(id, 'alert channel')));
      return { flash: r.ok ? { kind: 'ok', text: 'Test notification sent.' } : { kind: 'error', text: `Test notification failed: ${r.detail ?? 'no detail'}` } };
    });
  }

  private async act(req: AdminRequest, reply: FastifyReply, id: string, body: { tenant?: string; note?: string }, fn: (alertId: string, note?: string) => Promise<string>): Promise<void> {
    const tenantId = this.sections.chosenOr404(req, body?.tenant);
    const alertId = uuidOr404(id, 'alert');
    const note = typeof body?.note === 'string' && body.note.trim() ? body.note.trim().slice(0, 500) : undefined;
    await this.pages.act(req, reply, `/admin/alerts/${alertId}?tenant=${tenantId}`, async () => ({
      flash: { kind: 'ok', text: await this.sections.run(req, tenantId, () => fn(alertId, note)) },
    }));
  }
}
