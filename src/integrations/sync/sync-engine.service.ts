import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { EventBus, type PlatformEvent } from '../../core/events';
import type { PluginContext, SyncDefinition, SyncPage } from '../../core/plugin-sdk';
import { TenantDb } from '../../core/tenancy';
import { ConnectionAccess } from '../connections';
import { recordHash } from './record-hash';
import { RecordsStore, SyncDeleteGuardError, type RecordStream, type RecordWrite } from './records-store';
import { SyncRun, type SyncCheckpoint, type SyncWaits } from './sync-run.entity';

/** Events the upstream client reports per retry wait; counted into the run of the same connection. */
export const RETRY_WAIT_EVENT = 'upstream.retry_wait';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export const emptyWaits = (): SyncWaits => ({ count: 0, totalMs: 0, rateLimited: 0, serverErrors: 0, network: 0 });

/** A failure another attempt cannot fix: the run fails at once instead of being retried. */
export class PermanentSyncError extends Error {}

/**
 * Runs one sync run to its end, page by page: hash each record (volatile fields left out), compare
 * with the stored hashes in one query, write only what changed, and save the next page's cursor in
 * the same transaction. Started again after a crash, it continues from that cursor.
 */
@Injectable()
export class SyncEngine {
  private readonly log = new Logger(SyncEngine.name);

  constructor(
    private readonly db: TenantDb,
    private readonly store: RecordsStore,
    private readonly events: EventBus,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
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
      const final = opts.lastAttempt || err instanceof PermanentSyncError || err instanceof SyncDeleteGuardError;
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
    const volatile = new Set(sync.volatileFields ?? []);
    let cp: SyncCheckpoint = { ...run.checkpoint, fetchStartedAt: run.checkpoint.fetchStartedAt ?? new Date().toISOString() };
    const modifiedSince = cp.modifiedSince ? new Date(cp.modifiedSince) : null;

    if (!cp.fetched) {
      // one page ahead: the next page downloads while this one is written (back-pressure of one page)
      let next: Promise<SyncPage<unknown>> | null = prefetch(sync, context, cp.cursor, modifiedSince);
      while (next) {
        const page: SyncPage<unknown> = await next;
        next = page.nextCursor ? prefetch(sync, context, page.nextCursor, modifiedSince) : null;
        const pageNo = cp.pagesDone;
        cp = { ...cp, cursor: page.nextCursor, pagesDone: cp.pagesDone + 1, fetched: !page.nextCursor };
        await this.writePage(run, stream, sync, volatile, page, pageNo, cp, waits);
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

  private async writePage(run: SyncRun, stream: RecordStream, sync: SyncDefinition<unknown>, volatile: Set<string>, page: SyncPage<unknown>, pageNo: number, cp: SyncCheckpoint, waits: SyncWaits): Promise<void> {
    // the last copy of a record wins when a page repeats it
    const byId = new Map<string, { raw: unknown; hash: string }>();
    for (const raw of page.records) byId.set(String(sync.externalId(raw)), { raw, hash: recordHash(raw, volatile).toString('hex') });
    const ids = [...byId.keys()];
    const stored = ids.length ? await this.store.storedHashes(stream, ids) : new Map<string, { hash: string; deleted: boolean }>();
    const writes: RecordWrite[] = [];
    let unchanged = 0;
    for (const [externalId, { raw, hash }] of byId) {
      const before = stored.get(externalId);
      if (before && !before.deleted && before.hash === hash) {
        unchanged++;
        continue;
      }
      writes.push({ externalId, raw, hash, unified: sync.toUnified(raw), remoteUpdatedAt: validDate(sync.remoteUpdatedAt(raw)), op: before && !before.deleted ? 'updated' : 'added' });
    }
    const added = writes.filter((w) => w.op === 'added').length;
    await this.store.commitPage({
      runId: run.id, stream, writes, dryRun: run.dryRun,
      deletedIds: run.mode === 'incremental' ? (page.deletedIds ?? []).map(String) : [],
      seen: run.mode === 'full' ? { page: pageNo, externalIds: ids } : null,
      counts: { added, updated: writes.length - added, unchanged },
      checkpoint: cp, waits,
    });
  }
}

function prefetch(sync: SyncDefinition<unknown>, ctx: PluginContext, cursor: string | null, modifiedSince: Date | null): Promise<SyncPage<unknown>> {
  const p = sync.fetchPage(ctx, { cursor, modifiedSince });
  // a rejection is observed when the page is awaited; this only keeps it from counting as unhandled meanwhile
  p.catch(() => undefined);
  return p;
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
