import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit';
import { AuthModule } from './auth';
import { ConfigModule, type PlugboardConfig } from './config';
import { DatabaseModule, type DatabaseSchema } from './database';
import { EventsModule } from './events';
import { PluginHostModule, type PluginLoadReport } from './plugin-host';
import { QueueModule } from './queue';
import { RedisModule } from './redis';
import { TenancyModule } from './tenancy';
import { UpstreamModule } from './upstream';
import { VaultModule } from './vault';

export interface CoreOptions {
  config: PlugboardConfig;
  plugins: PluginLoadReport;
  /** entities and migrations beyond the core's (the domain areas'), listed by the process root */
  schema?: DatabaseSchema;
}

/** The providers every process shares: the API, the worker and the CLI each import this once. */
@Module({})
export class CoreModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(options.config),
        DatabaseModule.forRoot(options.schema),
        RedisModule,
        EventsModule,
        TenancyModule,
        VaultModule,
        AuditModule,
        AuthModule,
        QueueModule,
        UpstreamModule,
        PluginHostModule.forRoot({ report: options.plugins }),
      ],
    };
  }
}
