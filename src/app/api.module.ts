import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { BillingModule, billingControllers } from '../billing';
import { AuditController } from '../core/audit';
import { ApiKeysController, AuthController, PlugboardAuthGuard, UsersController } from '../core/auth';
import { CoreModule, type CoreOptions } from '../core/core.module';
import { HealthModule } from '../core/health';
import { ProblemDetailsFilter } from '../core/http';
import { PluginsController } from '../core/plugin-host';
import { RateLimitModule, TierThrottlerGuard } from '../core/rate-limit';
import { IntegrationsModule } from '../integrations';
import { ConnectionsController, OAuthCallbackController } from '../integrations/connections';
import { syncControllers } from '../integrations/sync';
import { SyncFlowsController } from '../integrations/sync-flows';
import { reconciliationControllers } from '../integrations/reconciliation';
import { PublishingController } from '../integrations/publishing';
import { WebhookIngress, WebhooksModule, webhookControllers } from '../integrations/webhooks';
import { WorkflowsModule, workflowControllers } from '../workflows';
import { MonitoringModule, monitoringControllers } from '../monitoring';
import { AdminModule } from '../admin';
import { WorkerModule } from './worker.module';
import { schema } from './schema';

export interface ApiOptions extends CoreOptions {
  /** also consume the queues in this process (PLUGBOARD_ROLE=all) */
  withWorker: boolean;
}

/** The API server's root: the shared core plus controllers, guards and the error filter. */
@Module({})
export class ApiModule {
  static forRoot(options: ApiOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        CoreModule.forRoot({ ...options, schema }),
        BillingModule,
        IntegrationsModule,
        WebhooksModule,
        WorkflowsModule,
        MonitoringModule,
        AdminModule,
        RateLimitModule,
        HealthModule,
        ...(options.withWorker ? [WorkerModule.features()] : []),
      ],
      controllers: [AuthController, UsersController, ApiKeysController, AuditController, PluginsController, ConnectionsController, OAuthCallbackController, ...syncControllers, SyncFlowsController, ...reconciliationControllers, PublishingController, ...billingControllers, ...workflowControllers, ...webhookControllers, ...monitoringControllers],
      providers: [
        // order matters: authenticate first, so the limiter knows the tenant
        { provide: APP_GUARD, useClass: PlugboardAuthGuard },
        { provide: APP_GUARD, useClass: TierThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // the public inbound webhook routes, with their raw-body parser
        WebhookIngress,
      ],
    };
  }
}
