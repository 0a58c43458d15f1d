import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, type CoreOptions } from '../core/core.module';
import { CliRootCommands } from './cli-root.commands';
import { ApiKeysCreateCommand } from './commands/api-keys-create.command';
import { ConnectionsSetBaseUrlCommand } from './commands/connections-set-base-url.command';
import { DemoCommand } from './commands/demo.command';
import { MigrateCommand } from './commands/migrate.command';
import { OperatorsCreateCommand } from './commands/operators-create.command';
import { PluginsListCommand } from './commands/plugins-list.command';
import { TenantsCreateCommand } from './commands/tenants-create.command';
import { TenantsListCommand } from './commands/tenants-list.command';
import { VaultRotateCommand } from './commands/vault-rotate.command';
import { schema } from '../app/schema';
import { ConnectionsModule } from '../integrations/connections';

/** The CLI's root: the shared core and the commands; no HTTP server, no queue consumers. */
@Module({})
export class CliModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: CliModule,
      imports: [CoreModule.forRoot({ ...options, schema }), ConnectionsModule],
      providers: [
        MigrateCommand, DemoCommand, VaultRotateCommand, TenantsCreateCommand, TenantsListCommand,
        OperatorsCreateCommand, ApiKeysCreateCommand, ConnectionsSetBaseUrlCommand, PluginsListCommand, ...CliRootCommands,
      ],
    };
  }
}
