import { ConflictException, Injectable, NotFoundException, Optional, ServiceUnavailableException, UnprocessableEntityException } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { TenantJobs } from '../../core/queue';
import { TenantDb } from '../../core/tenancy';
import { ConnectionAccess } from '../connections';
import { emptyWaits } from './sync-engine.service';
import { SyncRun, type SyncMode } from './sync-run.entity';
import { SyncState } from './sync-state.entity';

export const SYNC_QUEUE = 'sync';
export const RUN_JOB = 'run';
/** attempts per run job: transient failures resume from the checkpoint */
export const RUN_ATTEMPTS = 5;
const RUN_BACKOFF = { type: 'exponential', delay: 2000 };

export interface StartSyncInput {
  entity: string;
  mode: SyncMode;
  dryRun?: boolean;
  force?: boolean;
  trigger?: 'api' | 'schedule' | 'cli' | 'webhook' | 'admin';
}

/** A run as the API shows it. */
export interface SyncRunView {
  id: string;
  connectionId: string;
  plugin: string;
  entity: string;
  model: string;
  mode: SyncMode;
  status: SyncRun['status'];
  dryRun: boolean;
  force: boolean;
  trigger: string;
  counts: { added: number; updated: number; deleted: number; unchanged: number };
  pages: number;
  progress: { pagesDone: number; fetched: boolean };
  resumes: number;
  waits: SyncRun['waits'];
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
}

export function toRunView(r: SyncRun): SyncRunView {
  const end = r.finishedAt ?? (r.startedAt ? new Date() : null);
  return {
    id: r.id, connectionId: r.connectionId, plugin: r.plugin, entity: r.entity, model: r.model, mode: r.mode, status: r.status,
    dryRun: r.dryRun, force: r.force, trigger: r.trigger,
    counts: { added: r.added, updated: r.updated, deleted: r.deleted, unchanged: r.unchanged },
    pages: r.pages, progress: { pagesDone: r.checkpoint.pagesDone ?? 0, fetched: r.checkpoint.fetched ?? false },
    resumes: r.resumes, waits: r.waits, error: r.error, createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt,
    durationMs: r.startedAt && end ? end.getTime() - r.startedAt.getTime() : null,
  };
}

/** Creates runs (one active per connection and entity) and queues them; lists them. */
@Injectable()
export class SyncRunsService {
  constructor(
    private readonly db: TenantDb,
    private readonly jobs: TenantJobs,
    @InjectQueue(SYNC_QUEUE) private readonly queue: Queue,
    @Optional() private readonly access?: ConnectionAccess,
  ) {}

  /**
   * Checks the connection (404 when it is not this tenant's) and entity, records the run, and queues it
   * with the run id as job id; `queue: false` leaves executing it to the caller (the CLI runs it in-process).
   */
  async start(connectionId: string, input: StartSyncInput, opts: { queue?: boolean } = {}): Promise<SyncRun> {
    if (!this.access) throw new ServiceUnavailableException('connections are not available in this process');
    const { plugin } = await this.access.open(connectionId);
    const sync = Object.hasOwn(plugin.entities, input.entity) ? plugin.entities[input.entity] : undefined;
    if (!sync) {
      throw new UnprocessableEntityException({ message: `plugin ${plugin.name} has no entity ${input.entity}`, errors: [{ field: 'entity', message: `must be one of ${Object.keys(plugin.entities).join(', ')}` }] });
    }
    const state = await this.db.repo(SyncState).findOne({ connectionId, entity: input.entity });
    // incremental needs a plugin that filters by date and a previous successful run; otherwise the run is full
    const mode: SyncMode = input.mode === 'incremental' && sync.incremental && state ? 'incremental' : 'full';
    let run: SyncRun;
    try {
      run = await this.db.repo(SyncRun).insert({
        connectionId, plugin: plugin.name, entity: input.entity, model: sync.model, mode, status: 'queued',
        dryRun: input.dryRun ?? false, force: input.force ?? false, trigger: input.trigger ?? 'api',
        checkpoint: { cursor: null, modifiedSince: mode === 'incremental' ? state!.highWater.toISOString() : null, fetchStartedAt: null, pagesDone: 0, fetched: false },
        added: 0, updated: 0, deleted: 0, unchanged: 0, pages: 0, resumes: 0, waits: emptyWaits(), error: null,
      });
    } catch (e) {
      if ((e as { code?: string }).code !== '23505') throw e;
      const active = await this.db.repo(SyncRun).findOne({ connectionId, entity: input.entity, status: 'running' }) ?? await this.db.repo(SyncRun).findOne({ connectionId, entity: input.entity, status: 'queued' });
      throw new ConflictException({ message: `a sync of ${input.entity} is already ${active?.status ?? 'active'} for this connection`, runId: active?.id ?? null });
    }
    if (opts.queue !== false) await this.jobs.enqueue(this.queue, RUN_JOB, { runId: run.id }, { jobId: run.id, attempts: RUN_ATTEMPTS, backoff: RUN_BACKOFF });
    return (await this.db.repo(SyncRun).findOne({ id: run.id }))!;
  }

  /**
   * Queues a paused run to go on from its checkpoint at `at` (the platform may be called again then),
   * with the attempts its job had left: a pause is not a failure. Its own job id, since the job that
   * paused is still finishing.
   */
  async resumeAt(runId: string, at: Date, attemptsLeft: number): Promise<void> {
    await this.jobs.enqueue(this.queue, RUN_JOB, { runId }, {
      jobId: `${runId}:resume:${Date.now()}`, delay: Math.max(0, at.getTime() - Date.now()), attempts: Math.max(1, attemptsLeft), backoff: RUN_BACKOFF,
    });
  }

  /**
   * Queues the current tenant's runs its plan paused (its plan allows more now), each to go on from its
   * checkpoint; one that a newer run of the same entity has replaced meanwhile is cancelled instead.
   */
  async resumePaused(): Promise<number> {
    let resumed = 0;
    for (const run of await this.db.repo(SyncRun).find({ status: 'paused' })) {
      try {
        await this.db.repo(SyncRun).update({ id: run.id, status: 'paused' }, { status: 'queued', error: null });
      } catch (e) {
        if ((e as { code?: string }).code !== '23505') throw e;
        await this.db.repo(SyncRun).update({ id: run.id }, { status: 'cancelled', finishedAt: new Date(), error: 'superseded by a newer run of the same entity' });
        continue;
      }
      await this.resumeAt(run.id, new Date(), RUN_ATTEMPTS);
      resumed++;
    }
    return resumed;
  }

  /** Whether this connection's entity has completed a sync: a webhook refreshes what a tenant syncs, it does not start a first full sync. */
  async hasSynced(connectionId: string, entity: string): Promise<boolean> {
    return (await this.db.repo(SyncState).count({ connectionId, entity })) > 0;
  }

  async get(id: string): Promise<SyncRun> {
    const run = await this.db.repo(SyncRun).findOne({ id });
    if (!run) throw new NotFoundException(`no sync run ${id}`);
    return run;
  }

  /** Newest first; keyset on created_at via the run id of the previous page's last row. */
  async list(filter: { connectionId?: string; limit: number; cursor?: string }): Promise<{ data: SyncRun[]; nextCursor: string | null }> {
    const qb = this.db.repo(SyncRun).query('r');
    if (filter.connectionId) qb.andWhere('r.connection_id = :c', { c: filter.connectionId });
    if (filter.cursor) {
      // compared in SQL: created_at has microseconds a JS Date would drop
      qb.andWhere('(r.created_at, r.id) < (SELECT c.created_at, c.id FROM sync_runs c WHERE c.id = :cursor AND c.tenant_id = :__tenantId)', { cursor: filter.cursor });
    }
    const rows = await qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').take(filter.limit + 1).getMany();
    const data = rows.slice(0, filter.limit);
    return { data, nextCursor: rows.length > filter.limit ? data[data.length - 1].id : null };
  }
}
