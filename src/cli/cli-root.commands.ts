import { Command, CommandRunner } from 'nest-commander';
import { ApiKeysCreateCommand } from './commands/api-keys-create.command';
import { ApiKeysListCommand } from './commands/api-keys-list.command';
import { ApiKeysRevokeCommand } from './commands/api-keys-revoke.command';
import { BillingSyncPlansCommand } from './commands/billing-sync-plans.command';
import { ConnectionsListCommand } from './commands/connections-list.command';
import { ConnectionsSetBaseUrlCommand } from './commands/connections-set-base-url.command';
import { ConnectionsTestCommand } from './commands/connections-test.command';
import { OperatorsCreateCommand } from './commands/operators-create.command';
import { PluginsInfoCommand } from './commands/plugins-info.command';
import { PluginsListCommand } from './commands/plugins-list.command';
import { TenantsCreateCommand } from './commands/tenants-create.command';
import { TenantsListCommand } from './commands/tenants-list.command';
import { UsersCreateCommand } from './commands/users-create.command';
import { VaultRotateCommand } from './commands/vault-rotate.command';
import { WebhooksReplayCommand } from './commands/webhooks-replay.command';
import { UnknownNameError } from './name-suggestion';

/** Nouns that group verbs (`plugboard vault rotate`); alone, each prints its sub-commands, and an unknown verb gets a suggestion. */
abstract class GroupCommand extends CommandRunner {
  async run([verb]: string[]): Promise<void> {
    if (verb === undefined) return this.command.help();
    throw new UnknownNameError(`${this.command.name()} command`, verb, this.command.commands.map((c) => c.name()));
  }
}

@Command({ name: 'vault', description: 'Credential vault operations', subCommands: [VaultRotateCommand] })
export class VaultCommand extends GroupCommand {}

@Command({ name: 'tenants', description: 'Create and list tenants', subCommands: [TenantsCreateCommand, TenantsListCommand] })
export class TenantsCommand extends GroupCommand {}

@Command({ name: 'operators', description: 'Platform operators (admin panel accounts)', subCommands: [OperatorsCreateCommand] })
export class OperatorsCommand extends GroupCommand {}

@Command({ name: 'users', description: "A tenant's users", subCommands: [UsersCreateCommand] })
export class UsersCommand extends GroupCommand {}

@Command({ name: 'api-keys', description: "A tenant's API keys", subCommands: [ApiKeysCreateCommand, ApiKeysListCommand, ApiKeysRevokeCommand] })
export class ApiKeysCommand extends GroupCommand {}

@Command({ name: 'plugins', description: 'What the plugin loader found', subCommands: [PluginsListCommand, PluginsInfoCommand] })
export class PluginsCommand extends GroupCommand {}

@Command({ name: 'connections', description: "Tenants' connections: list, check, operator settings", subCommands: [ConnectionsListCommand, ConnectionsTestCommand, ConnectionsSetBaseUrlCommand] })
export class ConnectionsCommand extends GroupCommand {}

@Command({ name: 'billing', description: "Plugboard's own plans at the payment provider", subCommands: [BillingSyncPlansCommand] })
export class BillingCommand extends GroupCommand {}

@Command({ name: 'webhooks', description: 'Inbound webhook events', subCommands: [WebhooksReplayCommand] })
export class WebhooksCommand extends GroupCommand {}

export const CliRootCommands = [VaultCommand, TenantsCommand, OperatorsCommand, UsersCommand, ApiKeysCommand, PluginsCommand, ConnectionsCommand, WebhooksCommand, BillingCommand];
