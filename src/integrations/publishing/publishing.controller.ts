import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ListPublicationsQueryDto, PublishDto } from './publishing.dto';
import { PublishingService, type PublicationView } from './publishing.service';

@ApiTags('publishing')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1')
export class PublishingController {
  constructor(private readonly publishing: PublishingService) {}

  @Post('publish')
  @ApiOperation({ summary: 'Publish content to several platforms, formatted to each one’s rules; each platform’s result (id and URL, or the error) in the answer' })
  @ApiCreatedResponse({ description: 'published now: status published, partial (failed platforms are retried) or failed' })
  @ApiAcceptedResponse({ description: 'scheduled: published at scheduleAt; poll GET /api/v1/publications/{id}' })
  async publish(@Body() dto: PublishDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicationView> {
    const view = await this.publishing.publish({
      content: dto.content, platforms: dto.platforms, contentType: dto.contentType, media: dto.media, metadata: dto.metadata, options: dto.options, scheduleAt: dto.scheduleAt,
    });
    void reply.status(view.status === 'scheduled' ? 202 : 201);
    return view;
  }

  @Get('publications')
  @ApiOperation({ summary: 'Publications, newest first (cursor-paginated)' })
  list(@Query() q: ListPublicationsQueryDto): Promise<{ data: PublicationView[]; nextCursor: string | null }> {
    return this.publishing.list({ limit: q.limit ?? 50, cursor: q.cursor, status: q.status });
  }

  @Get('publications/:id')
  @ApiOperation({ summary: 'A publication: its status and each platform’s result, attempts and next retry' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<PublicationView> {
    return this.publishing.get(id);
  }

  @Post('publications/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Try the platforms that failed once more, now (409 when none failed)' })
  retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<PublicationView> {
    return this.publishing.retry(id);
  }
}
