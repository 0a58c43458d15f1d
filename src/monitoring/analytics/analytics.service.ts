import { Injectable } from '@nestjs/common';
import { PluginRegistry } from '../../core/plugin-host';
import { TenantDb } from '../../core/tenancy';
import { Connection } from '../../integrations/connections';
import { NO_CONNECTION } from '../entities/series.entity';
import { quantile } from '../series/latency-histogram';
import { emptyCounters, type SeriesCounters } from '../series/series-cell';
import { SeriesStore, type SeriesTotals, type TenantUsage, type TimeRange } from '../series/series.store';

type Counts = 'calls' | 'retries' | 'recordsSynced' | 'syncRuns' | 'syncFailures' | 'webhooksReceived' | 'webhooksFailed' | 'workflowRuns' | 'workflowFailures';

export interface UsageFigures extends Pick<SeriesCounters, Counts> {
  /** share of calls answered below 400, 0..1; null without calls */
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
  errorsByCategory: { rateLimited: number; auth: number; client: number; server: number; network: number; timeout: number; circuitOpen: number; quotaExhausted: number };
  /** calls times the plugin's declared price per call; null where it declares none */
  estimatedCost: { amount: number; currency: string } | null;
}

export interface ConnectionUsage extends UsageFigures {
  connectionId: string;
  /** null once the connection was deleted (its figures stay) */
  name: string | null;
}

export interface PluginUsage extends UsageFigures {
  plugin: string;
  connections: ConnectionUsage[];
}

export interface IntegrationAnalytics {
  from: Date;
  to: Date;
  plugins: PluginUsage[];
  /** the tenant's totals, workflow runs included (they belong to no connection) */
  totals: Omit<UsageFigures, 'estimatedCost'> & { estimatedCost: { amount: number; currency: string }[] };
}

/**
 * Integration analytics from the stored time series: per plugin and connection, calls, success
 * rate, latency percentiles, errors by category, records synced, webhooks, workflow runs, and an
 * estimated cost where a plugin declares a price per call. Operators get every tenant's usage.
 */
@Injectable()
export class AnalyticsService {
  constructor(private readonly series: SeriesStore, private readonly db: TenantDb, private readonly plugins: PluginRegistry) {}

  async integrations(range: TimeRange, plugin?: string): Promise<IntegrationAnalytics> {
    const rows = await this.series.byConnection(range, { plugin });
    const names = new Map((await this.db.repo(Connection).find({}, { select: ['id', 'name'] })).map((c) => [c.id, c.name]));
    const byPlugin = new Map<string, { totals: SeriesTotals; connections: ConnectionUsage[] }>();
    let tenantLevel: SeriesTotals = { ...emptyCounters(), observedMinutes: 0, upMinutes: 0 };
    for (const r of rows) {
      if (r.connectionId === NO_CONNECTION) {
        tenantLevel = add(tenantLevel, r);
        continue;
      }
      const entry = byPlugin.get(r.plugin) ?? { totals: { ...emptyCounters(), observedMinutes: 0, upMinutes: 0 }, connections: [] };
      entry.totals = add(entry.totals, r);
      entry.connections.push({ connectionId: r.connectionId, name: names.get(r.connectionId) ?? null, ...this.figures(r, r.plugin) });
      byPlugin.set(r.plugin, entry);
    }
    const plugins = [...byPlugin.entries()]
      .map(([name, e]) => ({ plugin: name, ...this.figures(e.totals, name), connections: e.connections.sort((a, b) => b.calls - a.calls) }))
      .sort((a, b) => b.calls - a.calls);
    const all = [...byPlugin.values()].reduce((acc, e) => add(acc, e.totals), tenantLevel);
    const costs = new Map<string, number>();
    for (const p of plugins) if (p.estimatedCost) costs.set(p.estimatedCost.currency, (costs.get(p.estimatedCost.currency) ?? 0) + p.estimatedCost.amount);
    return {
      from: range.from, to: range.to, plugins,
      totals: { ...this.figures(all, null), estimatedCost: [...costs].map(([currency, amount]) => ({ currency, amount: roundMoney(amount) })) },
    };
  }

  /** Every tenant's usage over the range, busiest first: for operators (the admin panel), not a tenant's API. */
  tenantUsage(range: TimeRange): Promise<TenantUsage[]> {
    return this.series.tenantUsage(range);
  }

  private figures(t: SeriesTotals, plugin: string | null): UsageFigures {
    const price = plugin ? this.plugins.get(plugin)?.pricing : undefined;
    return {
      calls: t.calls,
      successRate: t.calls ? Math.round(((t.calls - t.errors) / t.calls) * 10_000) / 10_000 : null,
      latencyMs: { p50: quantile(t.latencyHist, 0.5), p95: quantile(t.latencyHist, 0.95), p99: quantile(t.latencyHist, 0.99), mean: t.calls ? Math.round(t.latencySumMs / t.calls) : null },
      errorsByCategory: {
        rateLimited: t.errRateLimited, auth: t.errAuth, client: t.errClient, server: t.errServer, network: t.errNetwork, timeout: t.errTimeout,
        circuitOpen: t.rejectedCircuit, quotaExhausted: t.rejectedQuota,
      },
      retries: t.retries, recordsSynced: t.recordsSynced, syncRuns: t.syncRuns, syncFailures: t.syncFailures,
      webhooksReceived: t.webhooksReceived, webhooksFailed: t.webhooksFailed, workflowRuns: t.workflowRuns, workflowFailures: t.workflowFailures,
      estimatedCost: price ? { amount: roundMoney(t.calls * price.perCall), currency: price.currency } : null,
    };
  }
}

function add(a: SeriesTotals, b: SeriesTotals): SeriesTotals {
  const out = { ...a, latencyHist: a.latencyHist.map((n, i) => n + (b.latencyHist[i] ?? 0)) };
  for (const k of Object.keys(a) as (keyof SeriesTotals)[]) {
    if (k !== 'latencyHist') (out as unknown as Record<string, number>)[k] = (a[k] as number) + ((b[k] as number) ?? 0);
  }
  return out;
}

function roundMoney(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
