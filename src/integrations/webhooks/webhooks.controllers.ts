import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../core/auth';
import { WebhookDeliveriesService, type DeliveryView } from './webhook-deliveries.service';
import { WebhookEndpointsService, type EndpointView } from './webhook-endpoints.service';
import { WebhookEventsService, type WebhookEventDetail, type WebhookEventView } from './webhook-events.service';
import { CreateWebhookEndpointDto, ListDeliveriesQueryDto, ListWebhookEventsQueryDto, UpdateWebhookEndpointDto } from './webhooks.dto';

const uuid = () => new ParseUUIDPipe();

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1')
export class WebhookEventsController {
  constructor(private readonly events: WebhookEventsService) {}

  @Get('webhook-events')
  @ApiOperation({ summary: 'Inbound webhook events, newest first (filter by plugin, connection, status, type, time; cursor-paginated)' })
  list(@Query() q: ListWebhookEventsQueryDto): Promise<{ data: WebhookEventView[]; nextCursor: string | null }> {
    return this.events.list({ ...q, limit: q.limit ?? 50 });
  }

  @Get('webhook-events/:id')
  @ApiOperation({ summary: 'One inbound event with its payload (secret-looking fields masked) and its processing attempts' })
  get(@Param('id', uuid()) id: string): Promise<WebhookEventDetail> {
    return this.events.get(id);
  }

  @Post('webhook-events/:id/replay')
  @HttpCode(202)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Process an event again (a dead-lettered one, or one processed already)' })
  replay(@Param('id', uuid()) id: string): Promise<WebhookEventView> {
    return this.events.replay(id);
  }

  @Get('webhook-rejections')
  @ApiOperation({ summary: 'Refused inbound deliveries, counted per connection and reason (bad_signature, stale_timestamp, no_secret...)' })
  async rejections(): Promise<{ data: Awaited<ReturnType<WebhookEventsService['rejections']>> }> {
    return { data: await this.events.rejections() };
  }
}

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService, private readonly deliveries: WebhookDeliveriesService) {}

  @Post('webhook-endpoints')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Register an endpoint for Plugboard's events; the answer carries its signing secret, shown only now" })
  create(@Body() dto: CreateWebhookEndpointDto): Promise<EndpointView & { secret: string }> {
    return this.endpoints.create(dto);
  }

  @Get('webhook-endpoints')
  @ApiOperation({ summary: "The tenant's webhook endpoints" })
  async list(): Promise<{ data: EndpointView[] }> {
    return { data: await this.endpoints.list() };
  }

  @Get('webhook-endpoints/:id')
  @ApiOperation({ summary: 'One webhook endpoint' })
  get(@Param('id', uuid()) id: string): Promise<EndpointView> {
    return this.endpoints.get(id);
  }

  @Patch('webhook-endpoints/:id')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Change the URL, event types, description or rate; enable or disable' })
  update(@Param('id', uuid()) id: string, @Body() dto: UpdateWebhookEndpointDto): Promise<EndpointView> {
    return this.endpoints.update(id, dto);
  }

  @Delete('webhook-endpoints/:id')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Delete an endpoint with its deliveries' })
  remove(@Param('id', uuid()) id: string): Promise<void> {
    return this.endpoints.remove(id);
  }

  @Post('webhook-endpoints/:id/rotate-secret')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'A new signing secret (shown only now); the old one keeps signing beside it for 24 hours' })
  rotate(@Param('id', uuid()) id: string): Promise<{ secret: string; previousValidUntil: Date }> {
    return this.endpoints.rotateSecret(id);
  }

  @Post('webhook-endpoints/:id/test')
  @HttpCode(202)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Send a webhook.test delivery to this endpoint' })
  test(@Param('id', uuid()) id: string): Promise<DeliveryView> {
    return this.deliveries.test(id);
  }

  @Get('webhook-deliveries')
  @ApiOperation({ summary: 'Outbound deliveries, newest first (filter by endpoint, status, event type; cursor-paginated)' })
  deliveriesList(@Query() q: ListDeliveriesQueryDto): Promise<{ data: DeliveryView[]; nextCursor: string | null }> {
    return this.deliveries.list({ ...q, limit: q.limit ?? 50 });
  }

  @Get('webhook-deliveries/:id')
  @ApiOperation({ summary: 'One delivery with its payload and every attempt (status code, error, duration, start of the answer)' })
  delivery(@Param('id', uuid()) id: string): ReturnType<WebhookDeliveriesService['get']> {
    return this.deliveries.get(id);
  }

  @Post('webhook-deliveries/:id/resend')
  @HttpCode(202)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Send a delivery again now, with the same webhook-id, and a fresh retry schedule' })
  resend(@Param('id', uuid()) id: string): Promise<DeliveryView> {
    return this.deliveries.resend(id);
  }
}

/** Mounted by the API root, beside the raw inbound routes (WebhookIngress). */
export const webhookControllers = [WebhookEventsController, WebhookEndpointsController];
