import { Module } from '@nestjs/common';
import { ConnectionsModule } from './connections';
import { SyncModule } from './sync';

/** Connections, the sync engine and (later) webhooks: the integration domain on top of the core. */
@Module({ imports: [ConnectionsModule, SyncModule], exports: [ConnectionsModule, SyncModule] })
export class IntegrationsModule {}
