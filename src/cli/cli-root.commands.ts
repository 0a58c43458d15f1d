import { Command, CommandRunner } from 'nest-commander';
import { ApiKeysCreateCommand } from './commands/api-keys-create.command';
import { ConnectionsSetBaseUrlCommand } from './commands/connections-set-base-url.command';
import { OperatorsCreateCommand } from './commands/operators-create.command';
import { PluginsListCommand } from './commands/plugins-list.command';
import { TenantsCreateCommand } from './commands/tenants-create.command';
import { TenantsListCommand } from './commands/tenants-list.command';
import { VaultRotateCommand } from './commands/vault-rotate.command';

/** Nouns that group verbs (`plugboard vault rotate`); alone, each prints its sub-commands. */
abstract class GroupCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

@Command({ name: 'vault', description: 'Credential vault operations', subCommands: [VaultRotateCommand] })
export class VaultCommand extends GroupCommand {}

@Command({ name: 'tenants', description: 'Create and list tenants', subCommands: [TenantsCreateCommand, TenantsListCommand] })
export class TenantsCommand extends GroupCommand {}

@Command({ name: 'operators', description: 'Platform operators (admin panel accounts)', subCommands: [OperatorsCreateCommand] })
export class OperatorsCommand extends GroupCommand {}

@Command({ name: 'api-keys', description: "A tenant's API keys", subCommands: [ApiKeysCreateCommand] })
export class ApiKeysCommand extends GroupCommand {}

@Command({ name: 'plugins', description: 'What the plugin loader found', subCommands: [PluginsListCommand] })
export class PluginsCommand extends GroupCommand {}

@Command({ name: 'connections', description: "Operator settings of a tenant's connections", subCommands: [ConnectionsSetBaseUrlCommand] })
export class ConnectionsCommand extends GroupCommand {}

export const CliRootCommands = [VaultCommand, TenantsCommand, OperatorsCommand, ApiKeysCommand, PluginsCommand, ConnectionsCommand];
