import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Entitlements } from '../../billing';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { EventBus, type PlatformEvent } from '../../core/events';
import type { PluginContext, SyncDefinition } from '../../core/plugin-sdk';
import { TenantDb } from '../../core/tenancy';
import { pausedUntil } from '../../core/upstream';
import { ConnectionAccess } from '../connections';
import { readAhead } from './read-ahead';
import { recordHash, volatileTree } from './record-hash';
import { RecordsStore, SyncDeleteGuardError, type FetchedRecord, type RecordStream } from './records-store';
import { SyncRun, type SyncCheckpoint, type SyncWaits } from './sync-run.entity';

/** Events the upstream client reports per retry wait; counted into the run of the same connection. */
export const RETRY_WAIT_EVENT = 'upstream.retry_wait';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export const emptyWaits = (): SyncWaits => ({ count: 0, totalMs: 0, rateLimited: 0, serverErrors: 0, network: 0 });

/**
 * Pages are fetched up to this many records ahead of the writer, and written in batches of up to
 * this many records per transaction: flat memory, and few round trips when the database is the
 * slower side. With a slow platform each batch is one page, so checkpoints stay as fine as pages.
 */
const READ_AHEAD_RECORDS = 4_000;
const BATCH_RECORDS = 2_000;

/** A fetched page, hashed while the previous batch is being written. */
interface PreparedPage {
  records: FetchedRecord[];
  deletedIds: string[];
  nextCursor: string | null;
}

/** A failure another attempt cannot fix: the run fails at once instead of being retried. */
export class PermanentSyncError extends Error {}

/** The tenant's plan has no synced records left this period: the run pauses at its checkpoint, it does not fail. */
export class SyncPausedError extends Error {}

/**
 * Runs one sync run to its end: pages stream in ahead of the writer (bounded), each record is hashed
 * (volatile fields left out), and each batch of pages is compared with the stored hashes, written
 * (only what changed) and checkpointed (the next page's cursor) in one transaction. Started again
 * after a crash, a run continues from that cursor.
 */
@Injectable()
export class SyncEngine {
  private readonly log = new Logger(SyncEngine.name);

  constructor(
    private readonly db: TenantDb,
    private readonly store: RecordsStore,
    private readonly events: EventBus,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
    private readonly entitlements: Entitlements,
    @Optional() private readonly access?: ConnectionAccess,
  ) {}

  /**
   * Executes (or resumes) a run of the current tenant. `lastAttempt` false lets a transient failure
   * propagate with the run left resumable, so the queue retries it from its checkpoint.
   */
  async execute(runId: string, opts: { lastAttempt: boolean } = { lastAttempt: true }): Promise<SyncRun | null> {
    const runs = this.db.repo(SyncRun);
    const run = await runs.findOne({ id: runId });
    if (!run || FINISHED.has(run.status)) return run;
    const resumed = run.status === 'running';
    await runs.update({ id: runId }, { status: 'running', startedAt: run.startedAt ?? new Date(), resumes: run.resumes + (resumed ? 1 : 0), error: null });
    const waits: SyncWaits = { ...emptyWaits(), ...run.waits };
    const unsubscribe = this.events.on(RETRY_WAIT_EVENT, (e) => countWait(e, run, waits));
    try {
      await this.walk(run, waits);
      return await runs.findOne({ id: runId });
    } catch (e) {
      const err = e as Error;
      if (err instanceof SyncPausedError) {
        await runs.update({ id: runId }, { status: 'paused', error: err.message, waits });
        this.log.log(`sync run ${runId} paused: ${err.message}`);
        return await runs.findOne({ id: runId });
      }
      // an open circuit or a used-up quota pauses the run (the processor re-queues it), even on the last attempt
      const final = (opts.lastAttempt && !pausedUntil(err)) || err instanceof PermanentSyncError || err instanceof SyncDeleteGuardError;
      await runs.update({ id: runId }, final ? { status: 'failed', finishedAt: new Date(), error: err.message, waits } : { error: err.message, waits });
      if (!final) throw e;
      await this.store.discardScratch(runId).catch(() => undefined);
      this.log.warn(`sync run ${runId} failed: ${err.message}`);
      this.events.emit('sync.failed', run.tenantId, { runId, connectionId: run.connectionId, entity: run.entity, mode: run.mode, error: err.message });
      return await runs.findOne({ id: runId });
    } finally {
      unsubscribe();
    }
  }

  private async walk(run: SyncRun, waits: SyncWaits): Promise<void> {
    if (!this.access) throw new Error('no ConnectionAccess provider: connections are not wired into this process');
    const { plugin, context } = await this.access.open(run.connectionId);
    const sync = plugin.entities[run.entity] as SyncDefinition<unknown> | undefined;
    if (!sync) throw new PermanentSyncError(`plugin ${plugin.name} has no entity ${run.entity}`);
    const stream: RecordStream = { connectionId: run.connectionId, plugin: plugin.name, entity: run.entity, model: sync.model };
    let cp: SyncCheckpoint = { ...run.checkpoint, fetchStartedAt: run.checkpoint.fetchStartedAt ?? new Date().toISOString() };
    const modifiedSince = cp.modifiedSince ? new Date(cp.modifiedSince) : null;

    if (!cp.fetched) {
      const allowance = new RecordsAllowance(this.entitlements, run.dryRun);
      await allowance.check();
      const pages = preparedPages(sync, context, cp.cursor, modifiedSince, run.mode);
      const details = (raw: unknown) => ({ unified: sync.toUnified(raw), remoteUpdatedAt: validDate(sync.remoteUpdatedAt(raw)) });
      for await (const batch of readAhead(pages, { weight: (p) => p.records.length || 1, maxAhead: READ_AHEAD_RECORDS, maxBatch: BATCH_RECORDS })) {
        await allowance.check();
        const last = batch[batch.length - 1];
        const firstPage = cp.pagesDone;
        cp = { ...cp, cursor: last.nextCursor, pagesDone: cp.pagesDone + batch.length, fetched: !last.nextCursor };
        // the last copy of a record wins when the batch repeats it
        const byId = new Map<string, FetchedRecord>();
        for (const page of batch) for (const r of page.records) byId.set(r.externalId, r);
        const counts = await this.store.commitBatch({
          runId: run.id, stream, records: [...byId.values()], details, dryRun: run.dryRun,
          deletedIds: batch.flatMap((p) => p.deletedIds),
          seenPage: run.mode === 'full' ? firstPage : null,
          checkpoint: cp, pages: batch.length, waits,
        });
        await allowance.spend(counts.added + counts.updated);
      }
    }

    await this.store.complete({
      runId: run.id, stream, sweep: run.mode === 'full', dryRun: run.dryRun, force: run.force,
      guardRatio: this.config.SYNC_DELETE_GUARD_RATIO, highWater: cp.fetchStartedAt ? new Date(cp.fetchStartedAt) : null,
    });
    const done = await this.db.repo(SyncRun).findOne({ id: run.id });
    await this.db.repo(SyncRun).update({ id: run.id }, { waits });
    this.events.emit('sync.completed', run.tenantId, {
      runId: run.id, connectionId: run.connectionId, plugin: stream.plugin, entity: run.entity, model: stream.model, mode: run.mode, dryRun: run.dryRun,
      counts: { added: done!.added, updated: done!.updated, deleted: done!.deleted, unchanged: done!.unchanged }, pages: done!.pages,
    });
  }
}

/**
 * The synced records the tenant's plan leaves this period, for one run: asked once, counted down as
 * batches are written (and recorded as metered usage), asked again when it runs out, since the plan
 * may have grown meanwhile. A batch that crosses the limit is still written: a run overshoots by at
 * most one batch. Dry runs write nothing and count nothing.
 */
class RecordsAllowance {
  /** undefined: not asked yet; null: unlimited */
  private left: number | null | undefined;

  constructor(private readonly entitlements: Entitlements, private readonly dryRun: boolean) {}

  /** Throws SyncPausedError when nothing is left. */
  async check(): Promise<void> {
    if (this.dryRun || this.left === null || (this.left !== undefined && this.left > 0)) return;
    this.left = await this.entitlements.remaining('synced_records');
    if (this.left === null || this.left > 0) return;
    const refusal = await this.entitlements.exhausted('synced_records');
    throw new SyncPausedError(`paused, not failed: ${refusal.message}. The run goes on from its checkpoint when the plan allows more`);
  }

  async spend(written: number): Promise<void> {
    if (this.dryRun || written <= 0) return;
    await this.entitlements.recordUsage('synced_records', written);
    if (typeof this.left === 'number') this.left -= written;
  }
}

/** The platform's pages from `cursor` on, each record hashed as it arrives. */
async function* preparedPages(sync: SyncDefinition<unknown>, ctx: PluginContext, cursor: string | null, modifiedSince: Date | null, mode: SyncRun['mode']): AsyncGenerator<PreparedPage> {
  const volatile = volatileTree(sync.volatileFields ?? []);
  do {
    const page = await sync.fetchPage(ctx, { cursor, modifiedSince });
    yield {
      records: page.records.map((raw) => ({ externalId: String(sync.externalId(raw)), raw, hash: recordHash(raw, volatile) })),
      // only incremental runs take deletions from the platform; full runs find them by the sweep
      deletedIds: mode === 'incremental' ? (page.deletedIds ?? []).map(String) : [],
      nextCursor: page.nextCursor,
    };
    cursor = page.nextCursor;
  } while (cursor);
}

function validDate(d: Date | null): Date | null {
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

function countWait(e: PlatformEvent, run: SyncRun, waits: SyncWaits): void {
  const d = e.data as { connectionId?: string; waitMs?: number; reason?: string };
  if (e.tenantId !== run.tenantId || d.connectionId !== run.connectionId) return;
  waits.count++;
  waits.totalMs += Math.round(d.waitMs ?? 0);
  if (d.reason === '429') waits.rateLimited++;
  else if (d.reason === '5xx') waits.serverErrors++;
  else waits.network++;
}
