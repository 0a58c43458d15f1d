import { Module } from '@nestjs/common';
import { ConnectionsModule } from './connections';
import { SyncModule } from './sync';
import { SyncFlowsModule } from './sync-flows';
import { ReconciliationModule } from './reconciliation';
import { PublishingModule } from './publishing';

/** Connections, the sync engine, sync flows, reconciliation and publishing: the integration domain on top of the core. */
@Module({
  imports: [ConnectionsModule, SyncModule, SyncFlowsModule, ReconciliationModule, PublishingModule],
  exports: [ConnectionsModule, SyncModule, SyncFlowsModule, ReconciliationModule, PublishingModule],
})
export class IntegrationsModule {}
