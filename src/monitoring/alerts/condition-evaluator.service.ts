import { Injectable } from '@nestjs/common';
import type { TenantBacklog } from '../../core/queue';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { Connection } from '../../integrations/connections';
import type { CheckOutcome } from '../health/connection-checks.service';
import { quantile } from '../series/latency-histogram';
import { SeriesStore, type ConnectionTotals } from '../series/series.store';
import { AlertEngine, fingerprintOf } from './alert-engine.service';
import { AlertRulesService, type EffectiveRule } from './alert-rules.service';
import type { AlertType } from './alert-types';

const TRAFFIC_TYPES: readonly AlertType[] = ['high_error_rate', 'slow_response', 'webhook_failures', 'rate_limit_exhausted'];

/**
 * Turns what monitoring observes into alert conditions for the current tenant: check results
 * (connection_down, auth_expired), the last minutes of traffic (error rate, latency, webhook
 * failures, used-up quotas) and the tenant's queue backlog. A condition that holds is raised (the
 * engine deduplicates); one that no longer holds is cleared, which resolves its incident.
 */
@Injectable()
export class ConditionEvaluator {
  constructor(
    private readonly engine: AlertEngine,
    private readonly rules: AlertRulesService,
    private readonly series: SeriesStore,
    private readonly db: TenantDb,
    private readonly context: RequestContext,
  ) {}

  async afterCheck(o: CheckOutcome): Promise<void> {
    const who = `${o.name} (${o.plugin})`;
    if (o.status === 'up') {
      await this.engine.clear('connection_down', o.connectionId, 'the connection check passes again');
      await this.engine.clear('auth_expired', o.connectionId, 'the connection check passes again');
      return;
    }
    if (o.status === 'auth_expired') {
      await this.engine.clear('connection_down', o.connectionId, 'the platform answers (but refuses the credentials)');
      await this.engine.raise({ type: 'auth_expired', connectionId: o.connectionId, plugin: o.plugin, title: `${who} needs to be re-authorized`, detail: o.detail, data: { connectionName: o.name } });
      return;
    }
    const rule = await this.rules.get('connection_down');
    if (o.consecutiveFailures < rule.params.failures) return;
    await this.engine.raise({
      type: 'connection_down', connectionId: o.connectionId, plugin: o.plugin, title: `${who} is down`,
      detail: `${o.consecutiveFailures} checks failed in a row: ${o.detail ?? 'no detail'}`, data: { connectionName: o.name, failures: o.consecutiveFailures },
    });
  }

  /** The traffic rules over each rule's window, for every connection of the tenant. */
  async evaluateTraffic(): Promise<void> {
    const rules = await this.rules.all();
    const names = new Map((await this.db.repo(Connection).find({}, { select: ['id', 'name', 'plugin'] })).map((c) => [c.id, c]));
    const open = await this.engine.unresolvedFingerprints(TRAFFIC_TYPES);
    const tenantId = this.context.tenantId;
    const windows = new Map<number, Map<string, ConnectionTotals>>();
    const totalsOver = async (minutes: number) => {
      if (!windows.has(minutes)) {
        const to = new Date();
        const rows = await this.series.byConnection({ from: new Date(to.getTime() - minutes * 60_000), to });
        windows.set(minutes, new Map(rows.map((r) => [r.connectionId, r])));
      }
      return windows.get(minutes)!;
    };
    for (const type of TRAFFIC_TYPES) {
      const rule = rules[type];
      const totals = await totalsOver(rule.params.windowMinutes);
      for (const [id, c] of names) {
        const t = totals.get(id);
        const verdict = rule.enabled && t ? judge(type, rule, t) : null;
        const who = `${c.name} (${c.plugin})`;
        if (verdict) await this.engine.raise({ type, connectionId: id, plugin: c.plugin, title: `${who}: ${verdict.title}`, detail: verdict.detail, data: { connectionName: c.name, ...verdict.data } });
        else if (open.has(fingerprintOf(type, tenantId, id))) await this.engine.clear(type, id, `back within the rule over the last ${rule.params.windowMinutes} minutes`);
      }
    }
  }

  /** The tenant's jobs waiting in each queue (the part of `backlog` that is this tenant's). */
  async evaluateBacklog(backlog: readonly TenantBacklog[]): Promise<void> {
    const rule = await this.rules.get('queue_backlog');
    const tenantId = this.context.tenantId;
    const mine = new Map(backlog.filter((b) => b.tenantId === tenantId).map((b) => [b.queue, b]));
    const open = await this.engine.unresolvedFingerprints(['queue_backlog']);
    for (const fp of open) {
      const queue = fp.slice(fingerprintOf('queue_backlog', tenantId, '').length);
      if (!mine.has(queue) || !overBacklog(rule, mine.get(queue)!)) await this.engine.clear('queue_backlog', queue, 'the queue caught up');
    }
    for (const b of mine.values()) {
      if (!overBacklog(rule, b)) continue;
      const minutes = Math.round(b.oldestWaitingMs / 60_000);
      await this.engine.raise({
        type: 'queue_backlog', subject: b.queue, title: `${b.waiting} of your jobs are waiting in the ${b.queue} queue`,
        detail: `the oldest has waited ${minutes} minutes`, data: { queue: b.queue, waiting: b.waiting, oldestWaitingMs: b.oldestWaitingMs },
      });
    }
  }
}

function overBacklog(rule: EffectiveRule, b: TenantBacklog): boolean {
  return rule.enabled && (b.waiting > rule.params.maxWaiting || b.oldestWaitingMs > rule.params.maxAgeMinutes * 60_000);
}

/** Whether a traffic rule holds for a connection's totals, with the words for it. */
function judge(type: AlertType, rule: EffectiveRule, t: ConnectionTotals): { title: string; detail: string; data: Record<string, unknown> } | null {
  const p = rule.params;
  const w = `the last ${p.windowMinutes} minutes`;
  switch (type) {
    case 'high_error_rate': {
      if (t.calls < p.minCalls || t.errors / t.calls < p.threshold) return null;
      const pct = Math.round((t.errors / t.calls) * 100);
      return { title: `${pct}% of calls failed over ${w}`, detail: `${t.errors} of ${t.calls} calls failed (5xx ${t.errServer}, 429 ${t.errRateLimited}, auth ${t.errAuth}, other 4xx ${t.errClient}, network ${t.errNetwork}, timeouts ${t.errTimeout})`, data: { calls: t.calls, errors: t.errors } };
    }
    case 'slow_response': {
      const p95 = quantile(t.latencyHist, 0.95);
      if (t.calls < p.minCalls || p95 === null || p95 < p.p95Ms) return null;
      return { title: `slow: p95 ${p95} ms over ${w}`, detail: `the 95th percentile of ${t.calls} calls is ${p95} ms (the rule says ${p.p95Ms} ms)`, data: { p95Ms: p95, calls: t.calls } };
    }
    case 'webhook_failures':
      if (t.webhooksFailed < p.failures) return null;
      return { title: `${t.webhooksFailed} webhook events failed over ${w}`, detail: `${t.webhooksFailed} failed, ${t.webhooksReceived} processed`, data: { failed: t.webhooksFailed } };
    case 'rate_limit_exhausted':
      if (t.rejectedQuota === 0) return null;
      return { title: "the platform's quota is used up: work is paused", detail: `${t.rejectedQuota} calls held back over ${w} until the quota resets`, data: { rejected: t.rejectedQuota } };
    default:
      return null;
  }
}
