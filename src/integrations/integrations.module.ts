import { Module } from '@nestjs/common';
import { ConnectionsModule } from './connections';
import { SyncModule } from './sync';
import { SyncFlowsModule } from './sync-flows';
import { ReconciliationModule } from './reconciliation';

/** Connections, the sync engine and (later) webhooks: the integration domain on top of the core. */
@Module({ imports: [ConnectionsModule, SyncModule, SyncFlowsModule, ReconciliationModule], exports: [ConnectionsModule, SyncModule, SyncFlowsModule, ReconciliationModule] })
export class IntegrationsModule {}
