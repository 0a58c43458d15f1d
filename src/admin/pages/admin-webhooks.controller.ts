import { Body, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { WebhookDeliveriesService, WebhookEventsService } from '../../integrations/webhooks';
import { AdminController, readQuery, searchText } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { isUuid, uuidOr404, type AdminRequest } from '../admin-scope';
import { TenantSections } from '../tenant-sections.service';

/** the filters' choices (the webhooks area's statuses) */
const EVENT_STATUSES = ['pending', 'processing', 'processed', 'failed', 'dead'] as const;
const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed', 'dead'] as const;
const PAGE = 50;

const TenantQuery = { tenant: z.string(), q: searchText, cursor: z.string().max(100) };

/** Webhooks of a tenant: inbound events (payload with secrets masked, replay) and outbound deliveries with their attempts. */
@AdminController('admin/webhooks')
export class AdminWebhooksController {
  constructor(
    private readonly pages: AdminPages,
    private readonly sections: TenantSections,
    private readonly events: WebhookEventsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Get()
  async eventList(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ ...TenantQuery, status: z.enum(EVENT_STATUSES), plugin: z.string().max(100), type: z.string().max(200) }, query);
    await this.sections.show(req, reply, q, { view: 'webhook-events', section: 'webhooks', title: 'Webhook events', path: '/admin/webhooks' }, async () => ({
      q, statuses: EVENT_STATUSES,
      page: await this.events.list({ status: q.status, plugin: q.plugin, type: q.type, cursor: isUuid(q.cursor) ? q.cursor : undefined, limit: PAGE }),
    }));
  }

  @Get('events/:id')
  async event(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: unknown): Promise<void> {
    const q = readQuery(TenantQuery, query);
    await this.sections.show(req, reply, q, { view: 'webhook-event', section: 'webhooks', title: 'Webhook event', path: `/admin/webhooks/events/${id}` }, async () => ({
      event: await this.events.get(uuidOr404(id, 'webhook event')),
    }));
  }

  @Post('events/:id/replay')
  async replay(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: { tenant?: string }): Promise<void> {
    const tenantId = this.sections.chosenOr404(req, body?.tenant);
    await this.pages.act(req, reply, `/admin/webhooks/events/${id}?tenant=${tenantId}`, async () => {
      const e = await this.sections.run(req, tenantId, () => this.events.replay(uuidOr404(id, 'webhook event')));
      return { flash: { kind: 'ok', text: `Event ${e.type} queued to be processed again.` } };
    });
  }

  @Get('deliveries')
  async deliveryList(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ ...TenantQuery, status: z.enum(DELIVERY_STATUSES), type: z.string().max(200) }, query);
    await this.sections.show(req, reply, q, { view: 'webhook-deliveries', section: 'webhooks', title: 'Outbound webhook deliveries', path: '/admin/webhooks/deliveries' }, async () => ({
      q, statuses: DELIVERY_STATUSES,
      page: await this.deliveries.list({ status: q.status, eventType: q.type, cursor: isUuid(q.cursor) ? q.cursor : undefined, limit: PAGE }),
    }));
  }

  @Get('deliveries/:id')
  async delivery(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: unknown): Promise<void> {
    const q = readQuery(TenantQuery, query);
    await this.sections.show(req, reply, q, { view: 'webhook-delivery', section: 'webhooks', title: 'Webhook delivery', path: `/admin/webhooks/deliveries/${id}` }, async () => ({
      delivery: await this.deliveries.get(uuidOr404(id, 'webhook delivery')),
    }));
  }
}
