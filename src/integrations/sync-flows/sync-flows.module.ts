import { Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../../core/events';
import { RequestContext } from '../../core/tenancy';
import { ConnectionsModule } from '../connections';
import { SyncFlowApplier } from './sync-flow-applier.service';
import { SyncFlowsService } from './sync-flows.service';
import { SyncFlowsStore } from './sync-flows.store';

/**
 * Sync flows between two connections (issue 3): applied when a sync of a flow's stream completes,
 * in the process that ran the sync. Controllers are mounted by the API root.
 */
@Module({
  imports: [ConnectionsModule],
  providers: [SyncFlowsStore, SyncFlowsService, SyncFlowApplier],
  exports: [SyncFlowsStore, SyncFlowsService, SyncFlowApplier],
})
export class SyncFlowsModule implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly events: EventBus,
    private readonly context: RequestContext,
    private readonly store: SyncFlowsStore,
    private readonly applier: SyncFlowApplier,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('sync.completed', async (e) => {
      const d = e.data as { connectionId?: string; entity?: string; dryRun?: boolean };
      if (!d.connectionId || !d.entity || d.dryRun) return;
      const principal = { kind: 'system' as const, tenantId: e.tenantId, actorId: 'sync-flows', role: 'admin' as const, scopes: ['read', 'write'] as const, plan: 'free' as const, rateLimit: 0 };
      await this.context.runAsTenant(principal, async () => {
        for (const flow of await this.store.flowsOn(d.connectionId!, d.entity!)) await this.applier.apply(flow);
      });
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
