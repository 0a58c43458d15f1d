import { DynamicModule, Module } from '@nestjs/common';
import { BillingModule, BillingWorkerModule } from '../billing';
import { CoreModule, type CoreOptions } from '../core/core.module';
import { IntegrationsModule } from '../integrations';
import { SyncWorkerModule } from '../integrations/sync';
import { PublishingWorkerModule } from '../integrations/publishing';
import { WebhooksWorkerModule } from '../integrations/webhooks';
import { WorkflowsWorkerModule } from '../workflows';
import { MonitoringWorkerModule } from '../monitoring';
import { schema } from './schema';

/**
 * The queue worker's root: the shared core plus the queue processors. Processors live in feature
 * modules listed in features(), so an all-in-one process can mount the same set beside the API.
 */
@Module({})
export class WorkerModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return { module: WorkerModule, imports: [CoreModule.forRoot({ ...options, schema }), BillingModule, IntegrationsModule, WorkerModule.features()] };
  }

  static features(): DynamicModule {
    return { module: WorkerFeaturesModule, imports: [BillingWorkerModule, SyncWorkerModule, PublishingWorkerModule, WorkflowsWorkerModule, WebhooksWorkerModule, MonitoringWorkerModule] };
  }
}

@Module({})
class WorkerFeaturesModule {}
