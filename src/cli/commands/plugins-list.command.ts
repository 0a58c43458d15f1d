import { CommandRunner, SubCommand } from 'nest-commander';
import { PluginRegistry } from '../../core/plugin-host';

@SubCommand({ name: 'list', description: 'Plugins loaded, refused (with the reason) and disabled' })
export class PluginsListCommand extends CommandRunner {
  constructor(private readonly registry: PluginRegistry) {
    super();
  }

  async run(): Promise<void> {
    for (const p of this.registry.catalog()) {
      process.stdout.write(`loaded    ${p.name.padEnd(20)} ${p.version.padEnd(8)} ${p.category.padEnd(14)} entities: ${p.entities.map((e) => e.name).join(', ') || '-'}; actions: ${p.actions.map((a) => a.name).join(', ') || '-'}\n`);
    }
    for (const r of this.registry.refused) process.stdout.write(`refused   ${(r.name ?? r.source).padEnd(20)} ${r.reason}\n`);
    for (const d of this.registry.disabled) process.stdout.write(`disabled  ${d}\n`);
  }
}
