import { Option, SubCommand } from 'nest-commander';
import { PluginRegistry } from '../../core/plugin-host';
import { printJson } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';
import { findPlugin } from '../plugin-lookup';

@SubCommand({ name: 'info', arguments: '<name>', description: "One plugin: auth, entities, actions, webhooks and rate limit (as the catalog shows it)" })
export class PluginsInfoCommand extends JsonOutputCommand {
  constructor(private readonly registry: PluginRegistry) {
    super();
  }

  async run([name]: string[], o: { json?: boolean }): Promise<void> {
    const p = this.registry.entry(findPlugin(this.registry, name).name)!;
    if (o.json) return printJson(p);
    const lines = [
      `${p.displayName} (${p.name} ${p.version}, ${p.category})`,
      `  ${p.description}`,
      ...(p.docsUrl ? [`  docs: ${p.docsUrl}`] : []),
      `  rate limit: ${p.rateLimit.requests} requests per ${p.rateLimit.perSeconds}s${p.rateLimit.dailyQuota ? `, ${p.rateLimit.dailyQuota} a day` : ''}`,
      'auth:',
      ...p.auth.map((a) => `  ${a.kind.padEnd(8)} ${a.fields.map((f) => `${f.name}${f.secret ? ' (secret)' : ''}${f.required ? '' : ' (optional)'}`).join(', ') || '-'}${a.scopes ? `; scopes ${a.scopes.join(' ')}` : ''}`),
      'entities:',
      ...p.entities.map((e) => `  ${e.name.padEnd(16)} -> ${e.model.padEnd(12)} ${e.incremental ? 'incremental' : 'full only'}${e.description ? `  ${e.description}` : ''}`),
      'actions:',
      ...p.actions.map((a) => `  ${a.name.padEnd(16)} ${a.kind.padEnd(11)} ${a.description}`),
      `webhooks: ${p.webhooks.supported ? `yes (${p.webhooks.scheme})` : 'no'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
