import { Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { EventBus } from '../../core/events';
import { RequestContext } from '../../core/tenancy';
import { ConnectionsModule } from '../connections';
import { RecordsStore } from './records-store';
import { SyncEngine } from './sync-engine.service';
import { SYNC_QUEUE, SyncRunsService } from './sync-runs.service';
import { SyncSchedulesService } from './sync-schedules.service';

/** The sync engine: runs, the records store, the change feed and schedules (issue 3). Controllers are mounted by the API root. */
@Module({
  imports: [
    ConnectionsModule,
    BullModule.registerQueueAsync({
      name: SYNC_QUEUE,
      inject: [PLUGBOARD_CONFIG],
      useFactory: (c: PlugboardConfig) => ({
        // a killed worker's job is taken over once its lock lapses; the run resumes from its checkpoint
        settings: { lockDuration: c.SYNC_JOB_LOCK_MS, lockRenewTime: Math.floor(c.SYNC_JOB_LOCK_MS / 3), stalledInterval: Math.max(500, Math.floor(c.SYNC_JOB_LOCK_MS / 2)), maxStalledCount: 5 },
      }),
    }),
  ],
  providers: [RecordsStore, SyncEngine, SyncRunsService, SyncSchedulesService],
  exports: [RecordsStore, SyncEngine, SyncRunsService, SyncSchedulesService, BullModule],
})
export class SyncModule implements OnModuleInit, OnModuleDestroy {
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly events: EventBus,
    private readonly context: RequestContext,
    private readonly store: RecordsStore,
    private readonly schedules: SyncSchedulesService,
    private readonly runs: SyncRunsService,
  ) {}

  /**
   * A deleted connection loses its schedules; with `purge: true` its synced records go too. An upgraded
   * plan resumes the runs the old one paused.
   */
  onModuleInit(): void {
    const principal = (tenantId: string) => ({ kind: 'system' as const, tenantId, actorId: 'sync', role: 'admin' as const, scopes: ['read', 'write'] as const, plan: 'free' as const, rateLimit: 0 });
    this.unsubscribe.push(this.events.on('connection.deleted', async (e) => {
      const d = e.data as { connectionId?: string; purge?: boolean };
      if (!d.connectionId) return;
      await this.context.runAsTenant(principal(e.tenantId), async () => {
        await this.schedules.removeAll(d.connectionId!);
        if (d.purge) await this.store.purgeConnection(d.connectionId!);
      });
    }));
    this.unsubscribe.push(this.events.on('billing.plan_changed', async (e) => {
      if ((e.data as { direction?: string }).direction !== 'upgrade') return;
      await this.context.runAsTenant(principal(e.tenantId), () => this.runs.resumePaused());
    }));
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}
