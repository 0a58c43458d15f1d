import { Command, Option } from 'nest-commander';
import { DataSource, In } from 'typeorm';
import { PluginRegistry } from '../../core/plugin-host';
import { Tenant } from '../../core/tenancy';
import { MonitorService, type MonitorRow } from '../../monitoring';
import { formatTable, printJson, type Column } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';
import { findPlugin } from '../plugin-lookup';

const VERDICT = ['healthy', 'degraded', 'down'] as const;

/**
 * `plugboard monitor`: runs every connection's health check now (MonitorService, as the scheduled
 * rounds do) and prints status, latency, error rate, circuit and token expiry. The exit code is the
 * verdict, for cron and CI: 0 healthy, 1 degraded (a connection needs re-authorizing), 2 down.
 */
@Command({
  name: 'monitor',
  arguments: '[plugin]',
  description: 'Run the connection health checks now and print a table; exit code 0 healthy, 1 degraded, 2 down',
})
export class MonitorCommand extends JsonOutputCommand {
  constructor(private readonly registry: PluginRegistry, private readonly monitor: MonitorService, private readonly dataSource: DataSource) {
    super();
  }

  async run([plugin]: string[], o: { detailed?: boolean; alert?: boolean; json?: boolean }): Promise<void> {
    if (plugin) findPlugin(this.registry, plugin);
    const { rows, verdict } = await this.monitor.runChecks({ plugin, alert: o.alert ?? false });
    const ids = [...new Set(rows.map((r) => r.tenantId))];
    const slugs = new Map((ids.length ? await this.dataSource.manager.find(Tenant, { where: { id: In(ids) } }) : []).map((t) => [t.id, t.slug]));
    const shown = rows.map((r) => ({ tenant: slugs.get(r.tenantId) ?? r.tenantId, ...r }));
    process.exitCode = verdict;
    if (o.json) return printJson({ verdict: VERDICT[verdict], exitCode: verdict, connections: shown });
    const columns: Column<(typeof shown)[number]>[] = [
      { header: 'TENANT', value: (r) => r.tenant },
      ...(o.detailed ? [{ header: 'ID', value: (r: MonitorRow) => r.connectionId }] : []),
      { header: 'CONNECTION', value: (r) => r.name },
      { header: 'PLUGIN', value: (r) => r.plugin },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'LATENCY', value: (r) => `${r.latencyMs}ms`, align: 'right' },
      { header: 'ERROR RATE', value: (r) => (r.errorRate === null ? null : `${(r.errorRate * 100).toFixed(1)}%`), align: 'right' },
      { header: 'CIRCUIT', value: (r) => r.circuit },
      { header: 'TOKEN EXPIRY', value: (r) => r.tokenExpiry?.toISOString() },
      ...(o.detailed ? [{ header: 'DETAIL', value: (r: MonitorRow) => r.detail }] : []),
    ];
    const count = (s: MonitorRow['status']) => rows.filter((r) => r.status === s).length;
    process.stdout.write(`${rows.length ? formatTable(shown, columns) : `no connections${plugin ? ` of ${plugin}` : ''} to check\n`}`);
    process.stdout.write(`${rows.length} connection(s): ${count('up')} up, ${count('auth_expired')} need re-authorizing, ${count('down')} down; ${VERDICT[verdict]}${o.alert ? ' (alerts raised and cleared)' : ''}\n`);
  }

  @Option({ flags: '--detailed', description: 'add connection ids and what each failing check said' })
  parseDetailed(): boolean { return true; }

  @Option({ flags: '--alert', description: 'also raise alerts for what is wrong (and clear those that recovered), through the alert rules and channels' })
  parseAlert(): boolean { return true; }
}
