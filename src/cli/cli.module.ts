import { DynamicModule, Module } from '@nestjs/common';
import { BillingModule } from '../billing';
import { CoreModule, type CoreOptions } from '../core/core.module';
import { CliRootCommands } from './cli-root.commands';
import { ApiKeysCreateCommand } from './commands/api-keys-create.command';
import { ApiKeysListCommand } from './commands/api-keys-list.command';
import { ApiKeysRevokeCommand } from './commands/api-keys-revoke.command';
import { BillingSyncPlansCommand } from './commands/billing-sync-plans.command';
import { ConnectionsListCommand } from './commands/connections-list.command';
import { ConnectionsSetBaseUrlCommand } from './commands/connections-set-base-url.command';
import { ConnectionsTestCommand } from './commands/connections-test.command';
import { DemoCommand } from './commands/demo.command';
import { MigrateCommand } from './commands/migrate.command';
import { MonitorCommand } from './commands/monitor.command';
import { OperatorsCreateCommand } from './commands/operators-create.command';
import { PluginsInfoCommand } from './commands/plugins-info.command';
import { PluginsListCommand } from './commands/plugins-list.command';
import { SyncCommand } from './commands/sync.command';
import { TenantsCreateCommand } from './commands/tenants-create.command';
import { TenantsListCommand } from './commands/tenants-list.command';
import { UsersCreateCommand } from './commands/users-create.command';
import { VaultRotateCommand } from './commands/vault-rotate.command';
import { WebhooksReplayCommand } from './commands/webhooks-replay.command';
import { ConnectionScope } from './connection-scope';
import { schema } from '../app/schema';
import { ConnectionsModule } from '../integrations/connections';
import { SyncModule } from '../integrations/sync';
import { WebhooksModule } from '../integrations/webhooks';
import { MonitoringModule } from '../monitoring';

export interface CliOptions extends CoreOptions {
  /** the command line's first word: areas that start background work are loaded only for their own commands */
  command?: string;
}

/**
 * Areas whose modules start work when a process boots (the webhook outbox relay polls and sweeps):
 * a one-shot command loads one only when it is that area's command, so `migrate` on a fresh database
 * or `plugins list` never runs them.
 */
const ON_DEMAND: Record<string, Pick<DynamicModule, 'imports' | 'providers'>> = {
  webhooks: { imports: [WebhooksModule], providers: [WebhooksReplayCommand] },
};

/** The CLI's root: the shared core and the commands; no HTTP server, no queue consumers. */
@Module({})
export class CliModule {
  static forRoot(options: CliOptions): DynamicModule {
    const area = (options.command && ON_DEMAND[options.command]) || { imports: [], providers: [] };
    return {
      module: CliModule,
      imports: [CoreModule.forRoot({ ...options, schema }), BillingModule, ConnectionsModule, SyncModule, MonitoringModule, ...area.imports!],
      providers: [
        MigrateCommand, DemoCommand, VaultRotateCommand, TenantsCreateCommand, TenantsListCommand,
        OperatorsCreateCommand, ApiKeysCreateCommand, ConnectionsSetBaseUrlCommand, PluginsListCommand, ...CliRootCommands,
        ConnectionScope, SyncCommand, MonitorCommand, PluginsInfoCommand, UsersCreateCommand, ApiKeysListCommand, ApiKeysRevokeCommand, ConnectionsListCommand, ConnectionsTestCommand,
        BillingSyncPlansCommand, ...area.providers!,
      ],
    };
  }
}
