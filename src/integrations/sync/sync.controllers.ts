import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { InvalidCursorError, RecordsStore, type KeysetPage, type StoredRecordRow } from './records-store';
import { ChangesQueryDto, ListRunsQueryDto, RecordsQueryBase, RecordsQueryDto, SetScheduleDto, StartSyncDto } from './sync.dto';
import { SyncRunsService, toRunView, type SyncRunView } from './sync-runs.service';
import { SyncSchedulesService } from './sync-schedules.service';
import type { SyncSchedule } from './sync-schedule.entity';

const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;

@ApiTags('syncs')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1')
export class SyncRunsController {
  constructor(private readonly runs: SyncRunsService, private readonly schedules: SyncSchedulesService) {}

  @Post('connections/:id/syncs')
  @HttpCode(202)
  @ApiOperation({ summary: "Queue a sync run of one of the connection's entities (409 while one of that entity is active)" })
  @ApiAcceptedResponse({ description: 'the queued run; poll GET /api/v1/sync-runs/{id}' })
  async start(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: StartSyncDto): Promise<SyncRunView> {
    return toRunView(await this.runs.start(id, { entity: dto.entity ?? '', mode: dto.mode ?? 'incremental', dryRun: dto.dryRun, force: dto.force }));
  }

  @Get('sync-runs/:id')
  @ApiOperation({ summary: 'A sync run: status, progress, counts (added, updated, deleted, unchanged), pages, waits, duration, error' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<SyncRunView> {
    return toRunView(await this.runs.get(id));
  }

  @Get('sync-runs')
  @ApiOperation({ summary: 'Sync runs, newest first (cursor-paginated)' })
  async list(@Query() q: ListRunsQueryDto): Promise<{ data: SyncRunView[]; nextCursor: string | null }> {
    const page = await this.runs.list({ connectionId: q.connectionId, cursor: q.cursor, limit: q.limit ?? 50 });
    return { data: page.data.map(toRunView), nextCursor: page.nextCursor };
  }

  @Put('connections/:id/sync-schedules/:entity')
  @ApiOperation({ summary: 'Run a sync of this entity on a cron schedule (replaces its previous schedule)' })
  async setSchedule(@Param('id', new ParseUUIDPipe()) id: string, @Param('entity') entity: string, @Body() dto: SetScheduleDto): Promise<SyncSchedule> {
    return this.schedules.set(id, entity, { cron: dto.cron?.trim() ?? '', mode: dto.mode ?? 'incremental' });
  }

  @Get('connections/:id/sync-schedules')
  @ApiOperation({ summary: "The connection's sync schedules" })
  async listSchedules(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ data: SyncSchedule[] }> {
    return { data: await this.schedules.list(id) };
  }

  @Delete('connections/:id/sync-schedules/:entity')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop the scheduled syncs of this entity' })
  removeSchedule(@Param('id', new ParseUUIDPipe()) id: string, @Param('entity') entity: string): Promise<void> {
    return this.schedules.remove(id, entity);
  }
}

@ApiTags('records')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1')
export class RecordsController {
  constructor(private readonly store: RecordsStore) {}

  @Get('records')
  @ApiOperation({ summary: 'Unified records of one model across every connection, in order of change (cursor-paginated)' })
  records(@Query() q: RecordsQueryDto): Promise<KeysetPage<StoredRecordRow>> {
    return keyset(() => this.store.list({ model: q.model, connectionId: q.connectionId, modifiedSince: q.modifiedSince, includeDeleted: q.includeDeleted }, { cursor: q.cursor, limit: q.limit ?? 50 }));
  }

  @Get('platforms/:plugin/:entity')
  @ApiOperation({ summary: "One platform entity's records with their raw data (cursor-paginated)" })
  platform(@Param('plugin') plugin: string, @Param('entity') entity: string, @Query() q: RecordsQueryBase): Promise<KeysetPage<StoredRecordRow>> {
    if (!SLUG.test(plugin) || !SLUG.test(entity)) throw new BadRequestException('plugin and entity must be names');
    return keyset(() => this.store.list({ plugin, entity, connectionId: q.connectionId, modifiedSince: q.modifiedSince, includeDeleted: q.includeDeleted, withRaw: true }, { cursor: q.cursor, limit: q.limit ?? 50 }));
  }

  @Get('changes')
  @ApiOperation({ summary: 'The change feed: added, updated and deleted records in order; pass nextCursor as since to continue' })
  changes(@Query() q: ChangesQueryDto): Promise<{ data: Record<string, unknown>[]; nextCursor: string }> {
    return this.store.changes({ since: q.since, limit: q.limit ?? 100, model: q.model });
  }
}

async function keyset<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InvalidCursorError) throw new BadRequestException(e.message);
    throw e;
  }
}

/** Mounted by the API root. */
export const syncControllers = [SyncRunsController, RecordsController];
