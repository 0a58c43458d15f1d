import { Injectable, NotFoundException, Optional, ServiceUnavailableException, UnprocessableEntityException } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { TenantJobs } from '../../core/queue';
import { TenantDb } from '../../core/tenancy';
import { ConnectionAccess } from '../connections';
import { SYNC_QUEUE } from './sync-runs.service';
import type { SyncMode } from './sync-run.entity';
import { SyncSchedule } from './sync-schedule.entity';

export const SCHEDULED_JOB = 'scheduled';

export interface ScheduledJobData {
  scheduleId: string;
  connectionId: string;
  entity: string;
  mode: SyncMode;
}

/**
 * Recurring runs as Bull repeatable jobs: Bull keys a repeatable job by name, id and cron, and
 * each firing has a deterministic job id, so it fires once however many workers listen.
 */
@Injectable()
export class SyncSchedulesService {
  constructor(
    private readonly db: TenantDb,
    private readonly jobs: TenantJobs,
    @InjectQueue(SYNC_QUEUE) private readonly queue: Queue,
    @Optional() private readonly access?: ConnectionAccess,
  ) {}

  async set(connectionId: string, entity: string, input: { cron: string; mode: SyncMode }): Promise<SyncSchedule> {
    const { plugin } = await this.connection(connectionId);
    if (!Object.hasOwn(plugin.entities, entity)) throw new UnprocessableEntityException({ message: `plugin ${plugin.name} has no entity ${entity}`, errors: [{ field: 'entity', message: `must be one of ${Object.keys(plugin.entities).join(', ')}` }] });
    if (!input.cron) throw new UnprocessableEntityException({ message: 'cron is required', errors: [{ field: 'cron', message: 'must be a cron expression' }] });
    const repo = this.db.repo(SyncSchedule);
    const existing = await repo.findOne({ connectionId, entity });
    if (existing) {
      await this.unschedule(existing);
      await repo.update({ id: existing.id }, { cron: input.cron, mode: input.mode });
    } else {
      await repo.insert({ connectionId, entity, cron: input.cron, mode: input.mode });
    }
    const row = (await repo.findOne({ connectionId, entity }))!;
    const data: ScheduledJobData = { scheduleId: row.id, connectionId, entity, mode: row.mode };
    await this.jobs.enqueue(this.queue, 'scheduled', data, { repeat: { cron: row.cron }, jobId: `schedule:${row.id}`, attempts: 1 });
    return row;
  }

  async list(connectionId: string): Promise<SyncSchedule[]> {
    await this.connection(connectionId);
    return this.db.repo(SyncSchedule).find({ connectionId }, { order: { entity: 'ASC' } });
  }

  async remove(connectionId: string, entity: string): Promise<void> {
    await this.connection(connectionId);
    const row = await this.db.repo(SyncSchedule).findOne({ connectionId, entity });
    if (!row) throw new NotFoundException(`no schedule for ${entity} on connection ${connectionId}`);
    await this.unschedule(row);
    await this.db.repo(SyncSchedule).delete({ id: row.id });
  }

  /** Drops every schedule of a connection (it was deleted). */
  async removeAll(connectionId: string): Promise<void> {
    for (const row of await this.db.repo(SyncSchedule).find({ connectionId })) {
      await this.unschedule(row);
      await this.db.repo(SyncSchedule).delete({ id: row.id });
    }
  }

  /** The Bull repeatable jobs currently registered (for tests and operators). */
  repeatables(): Promise<{ id?: string | null; cron: string; next: number }[]> {
    return this.queue.getRepeatableJobs();
  }

  /** 404 unless the connection is the current tenant's */
  private connection(connectionId: string): ReturnType<ConnectionAccess['open']> {
    if (!this.access) throw new ServiceUnavailableException('connections are not available in this process');
    return this.access.open(connectionId);
  }

  private unschedule(row: SyncSchedule): Promise<void> {
    return this.queue.removeRepeatable(SCHEDULED_JOB, { cron: row.cron, jobId: `schedule:${row.id}` });
  }
}
