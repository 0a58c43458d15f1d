import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../core/auth';
import { CreateAlertChannelDto, NotificationsQueryDto, UpdateAlertChannelDto } from './alert-channels.dto';
import { AlertChannelsService, type AlertChannelView, type InAppNotificationView } from './alert-channels.service';

const uuid = new ParseUUIDPipe();

/** Members read; owners and admins create, change, test and delete. */
@ApiTags('alerts')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/alert-channels')
export class AlertChannelsController {
  constructor(private readonly channels: AlertChannelsService) {}

  @Post()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Add a channel (email, slack, webhook, in_app, sms) with its routing: minimum severity, alert types, rate limit, quiet period. A generated webhook signing secret is shown once.' })
  create(@Body() dto: CreateAlertChannelDto): Promise<AlertChannelView & { signingSecret?: string }> {
    return this.channels.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'The alert channels (secrets masked)' })
  async list(): Promise<{ data: AlertChannelView[] }> {
    return { data: await this.channels.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One alert channel (secrets masked)' })
  get(@Param('id', uuid) id: string): Promise<AlertChannelView> {
    return this.channels.get(id);
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Change a channel: name, config, routing, limits, enabled' })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateAlertChannelDto): Promise<AlertChannelView & { signingSecret?: string }> {
    return this.channels.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Delete a channel and its secret' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.channels.remove(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Send a test message through the channel now; answers whether it went through' })
  test(@Param('id', uuid) id: string): Promise<{ ok: boolean; detail: string | null; notificationId: string }> {
    return this.channels.test(id);
  }
}

/** The in-app channel's inbox. */
@ApiTags('alerts')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(private readonly channels: AlertChannelsService) {}

  @Get()
  @ApiOperation({ summary: 'What in-app channels received, newest first (cursor-paginated; unread=true for the unread ones)' })
  list(@Query() q: NotificationsQueryDto): Promise<{ data: InAppNotificationView[]; nextCursor: string | null }> {
    return this.channels.inbox({ unread: q.unread, limit: q.limit ?? 50, cursor: q.cursor });
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark an in-app notification read' })
  read(@Param('id', uuid) id: string): Promise<{ id: string; readAt: Date }> {
    return this.channels.markRead(id);
  }
}
