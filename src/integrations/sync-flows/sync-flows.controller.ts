import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { SyncFlowApplier, type ApplyResult } from './sync-flow-applier.service';
import { ConflictsQueryDto, CreateSyncFlowDto, HistoryQueryDto, ResolveConflictDto } from './sync-flows.dto';
import { SyncFlowsService } from './sync-flows.service';
import { SyncFlowsStore } from './sync-flows.store';
import type { SyncConflictRow, SyncFlowRow } from './sync-flow.types';

@ApiTags('sync-flows')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1')
export class SyncFlowsController {
  constructor(
    private readonly flows: SyncFlowsService,
    private readonly applier: SyncFlowApplier,
    private readonly store: SyncFlowsStore,
  ) {}

  @Post('sync-flows')
  @ApiOperation({ summary: "Create a flow between two connections' entities: field mapping, direction and conflict strategy" })
  create(@Body() dto: CreateSyncFlowDto): Promise<SyncFlowRow> {
    return this.flows.create(dto);
  }

  @Get('sync-flows')
  @ApiOperation({ summary: "The tenant's sync flows" })
  async list(): Promise<{ data: SyncFlowRow[] }> {
    return { data: await this.flows.list() };
  }

  @Get('sync-flows/:id')
  @ApiOperation({ summary: 'A sync flow, with its change-feed cursor and last error' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<SyncFlowRow> {
    return this.flows.get(id);
  }

  @Delete('sync-flows/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a flow with its links, conflicts and history' })
  remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.flows.remove(id);
  }

  @Post('sync-flows/:id/apply')
  @HttpCode(200)
  @ApiOperation({ summary: "Apply the flow now to the changes synced since its cursor (flows also apply when a sync of their streams completes)" })
  async apply(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApplyResult> {
    return this.applier.apply(await this.flows.get(id));
  }

  @Get('sync-flows/:id/history')
  @ApiOperation({ summary: 'Every change the flow applied: direction, records, fields, before and after (cursor-paginated, oldest first)' })
  async history(@Param('id', new ParseUUIDPipe()) id: string, @Query() q: HistoryQueryDto): Promise<{ data: Record<string, unknown>[]; nextCursor: string | null }> {
    await this.flows.get(id);
    return this.store.listHistory(id, { cursor: q.cursor, limit: q.limit ?? 100 });
  }

  @Get('conflicts')
  @ApiOperation({ summary: 'Conflicts of manual flows (filter with status=open)' })
  async conflicts(@Query() q: ConflictsQueryDto): Promise<{ data: SyncConflictRow[] }> {
    return { data: await this.store.listConflicts({ status: q.status }) };
  }

  @Post('conflicts/:id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: "Settle a conflict with the source's values, the target's, or custom ones; the choice is written to the platforms" })
  resolve(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: ResolveConflictDto): Promise<{ id: string; status: string; applied: Record<string, unknown> }> {
    return this.applier.resolve(id, { choose: dto.choose, values: dto.values });
  }
}
