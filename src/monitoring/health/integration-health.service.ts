import { Injectable, NotFoundException } from '@nestjs/common';
import { TenantDb } from '../../core/tenancy';
import { Connection, type ConnectionStatus } from '../../integrations/connections';
import { AlertRulesService } from '../alerts/alert-rules.service';
import type { CircuitState } from '../entities/connection-health.entity';
import { quantile } from '../series/latency-histogram';
import { SeriesStore, type ConnectionTotals, type SeriesTotals } from '../series/series.store';
import { ConnectionHealthStore } from './connection-health.store';

export const HEALTH_STATUSES = ['up', 'degraded', 'down', 'auth_expired', 'disabled', 'unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface ConnectionHealthView {
  connectionId: string;
  name: string;
  plugin: string;
  status: HealthStatus;
  /** why, in a few words, when not up */
  reason: string | null;
  connectionStatus: ConnectionStatus;
  lastCheck: { at: Date; status: string; latencyMs: number | null; error: string | null } | null;
  /** share of observed minutes that were up, in percent; null without observations */
  uptime: { last24h: number | null; last7d: number | null };
  /** over the last 24 hours */
  latencyMs: { p50: number | null; p95: number | null };
  errorRate: number | null;
  calls24h: number;
  circuit: CircuitState;
  tokenExpiresAt: Date | null;
}

export type HealthSummary = Record<HealthStatus, number>;

const HOUR = 3_600_000;

/**
 * A connection's health as the API shows it: the last scheduled check, what real traffic showed
 * (uptime over 24 hours and 7 days, latency percentiles, error rate), the circuit state and token
 * expiry. Down: the last check failed or the circuit is open. Degraded: the recent error rate or
 * p95 latency breaks the tenant's alert rules, or the circuit is probing.
 */
@Injectable()
export class IntegrationHealthService {
  constructor(
    private readonly db: TenantDb,
    private readonly health: ConnectionHealthStore,
    private readonly series: SeriesStore,
    private readonly rules: AlertRulesService,
  ) {}

  async list(plugin?: string): Promise<{ data: ConnectionHealthView[]; summary: HealthSummary }> {
    const connections = await this.db.repo(Connection).find(plugin ? { plugin } : {}, { order: { createdAt: 'ASC' } });
    const now = Date.now();
    const [rows, day, week, recent] = await Promise.all([
      this.health.all(),
      this.byId({ from: new Date(now - 24 * HOUR), to: new Date(now) }, plugin),
      this.byId({ from: new Date(now - 7 * 24 * HOUR), to: new Date(now) }, plugin),
      this.recentWindow(now, plugin),
    ]);
    const data = connections.map((c): ConnectionHealthView => {
      const h = rows.get(c.id);
      const d = day.get(c.id);
      const status = this.status(c, h?.checkStatus ?? null, h?.circuit ?? 'closed', recent.totals.get(c.id), recent.thresholds, !!d || !!h?.lastCheckAt);
      return {
        connectionId: c.id, name: c.name, plugin: c.plugin, ...status, connectionStatus: c.status,
        lastCheck: h?.lastCheckAt ? { at: h.lastCheckAt, status: h.checkStatus ?? 'unknown', latencyMs: h.lastLatencyMs, error: h.lastError } : null,
        uptime: { last24h: uptime(d), last7d: uptime(week.get(c.id)) },
        latencyMs: { p50: d ? quantile(d.latencyHist, 0.5) : null, p95: d ? quantile(d.latencyHist, 0.95) : null },
        errorRate: d && d.calls ? round(d.errors / d.calls, 4) : null,
        calls24h: d?.calls ?? 0,
        circuit: h?.circuit ?? 'closed',
        tokenExpiresAt: c.tokenExpiresAt,
      };
    });
    return { data, summary: summarize(data) };
  }

  /** One plugin's connections, with the plugin's figures per hour over the last 24 hours (for charts). */
  async forPlugin(plugin: string): Promise<{ plugin: string; summary: HealthSummary; connections: ConnectionHealthView[]; hourly: HourlyPoint[] }> {
    const { data, summary } = await this.list(plugin);
    if (!data.length) throw new NotFoundException(`no connection of plugin ${plugin}`);
    const to = new Date();
    const buckets = await this.series.byBucket({ from: new Date(to.getTime() - 24 * HOUR), to }, 'hour', { plugin });
    return { plugin, summary, connections: data, hourly: buckets.map((b) => ({ at: b.bucket, ...figures(b) })) };
  }

  private async byId(range: { from: Date; to: Date }, plugin?: string): Promise<Map<string, ConnectionTotals>> {
    return new Map((await this.series.byConnection(range, { plugin })).map((t) => [t.connectionId, t]));
  }

  /** Traffic over the tenant's alert windows, with the thresholds that make a connection degraded. */
  private async recentWindow(now: number, plugin?: string) {
    const rules = await this.rules.all();
    const minutes = Math.max(rules.high_error_rate.params.windowMinutes, rules.slow_response.params.windowMinutes);
    const totals = await this.byId({ from: new Date(now - minutes * 60_000), to: new Date(now) }, plugin);
    return { totals, thresholds: { errorRate: rules.high_error_rate.params.threshold, p95Ms: rules.slow_response.params.p95Ms, minCalls: Math.min(rules.high_error_rate.params.minCalls, rules.slow_response.params.minCalls) } };
  }

  private status(c: Connection, check: string | null, circuit: CircuitState, recent: ConnectionTotals | undefined, t: { errorRate: number; p95Ms: number; minCalls: number }, observed: boolean): { status: HealthStatus; reason: string | null } {
    if (c.status === 'disabled') return { status: 'disabled', reason: 'the connection is disabled' };
    if (c.status === 'needs_reauth' || check === 'auth_expired') return { status: 'auth_expired', reason: 'the platform refuses the credentials: re-authorize' };
    if (check === 'down') return { status: 'down', reason: 'the last connection check failed' };
    if (circuit === 'open') return { status: 'down', reason: 'the circuit is open: calls fail fast' };
    if (circuit === 'half_open') return { status: 'degraded', reason: 'the circuit is probing after failures' };
    if (recent && recent.calls >= t.minCalls) {
      if (recent.errors / recent.calls >= t.errorRate) return { status: 'degraded', reason: `${Math.round((recent.errors / recent.calls) * 100)}% of recent calls failed` };
      const p95 = quantile(recent.latencyHist, 0.95);
      if (p95 !== null && p95 >= t.p95Ms) return { status: 'degraded', reason: `recent calls are slow (p95 ${p95} ms)` };
    }
    return observed ? { status: 'up', reason: null } : { status: 'unknown', reason: 'not checked yet' };
  }
}

export interface HourlyPoint {
  at: Date;
  calls: number;
  errors: number;
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  uptime: number | null;
}

function figures(t: SeriesTotals): Omit<HourlyPoint, 'at'> {
  return {
    calls: t.calls, errors: t.errors, errorRate: t.calls ? round(t.errors / t.calls, 4) : null,
    p50Ms: quantile(t.latencyHist, 0.5), p95Ms: quantile(t.latencyHist, 0.95), uptime: uptime(t),
  };
}

export function uptime(t: SeriesTotals | undefined): number | null {
  return t && t.observedMinutes ? round((t.upMinutes / t.observedMinutes) * 100, 3) : null;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function summarize(data: readonly ConnectionHealthView[]): HealthSummary {
  const s = { up: 0, degraded: 0, down: 0, auth_expired: 0, disabled: 0, unknown: 0 };
  for (const d of data) s[d.status]++;
  return s;
}
