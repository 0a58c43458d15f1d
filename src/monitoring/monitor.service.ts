import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { QueueInspector, TenantJobs } from '../core/queue';
import { RequestContext } from '../core/tenancy';
import { Connection } from '../integrations/connections';
import { ConditionEvaluator } from './alerts/condition-evaluator.service';
import { Alert } from './entities/alert.entity';
import type { CircuitState } from './entities/connection-health.entity';
import { ConnectionChecks, type CheckOutcome } from './health/connection-checks.service';
import { ConnectionHealthStore } from './health/connection-health.store';
import { MONITORING_QUEUE, TENANT_TICK_JOB } from './monitoring.constants';
import { SeriesBuffer } from './series/series-buffer.service';
import { SeriesStore } from './series/series.store';
import { monitoringPrincipal } from './system-principal';

/** One connection as `plugboard monitor` prints it. */
export interface MonitorRow {
  tenantId: string;
  connectionId: string;
  name: string;
  plugin: string;
  status: CheckOutcome['status'];
  /** the check's own latency */
  latencyMs: number;
  /** share of the connection's calls that failed over the last 15 minutes; null without calls */
  errorRate: number | null;
  circuit: CircuitState;
  tokenExpiry: Date | null;
  detail: string | null;
}

/** 0 every connection is up, 1 some need attention (re-authorization), 2 some are down. */
export type MonitorVerdict = 0 | 1 | 2;

export interface MonitorReport {
  rows: MonitorRow[];
  verdict: MonitorVerdict;
}

const RECENT_MS = 15 * 60_000;

/**
 * Runs monitoring's rounds: for every tenant with connections, the connection checks and then the
 * alert rules. The scheduler's tick fans out one job per tenant (and evaluates queue backlogs);
 * `plugboard monitor` runs the checks now, across tenants, and reports a table and an exit verdict.
 */
@Injectable()
export class MonitorService {
  private readonly log = new Logger('Monitoring');

  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly checks: ConnectionChecks,
    private readonly evaluator: ConditionEvaluator,
    private readonly health: ConnectionHealthStore,
    private readonly series: SeriesStore,
    private readonly buffer: SeriesBuffer,
    private readonly queues: QueueInspector,
    private readonly jobs: TenantJobs,
    @InjectQueue(MONITORING_QUEUE) private readonly queue: Queue,
  ) {}

  /** Runs the checks of every tenant's connections now (of one plugin, if given); with `alert`, also raises and clears alerts. */
  async runChecks(opts: { plugin?: string; alert?: boolean } = {}): Promise<MonitorReport> {
    const rows: MonitorRow[] = [];
    for (const tenantId of await this.tenantsToVisit(opts.plugin)) {
      rows.push(...(await this.context.runAsTenant(monitoringPrincipal(tenantId), () => this.runTenant({ ...opts, alert: opts.alert ?? false }))));
    }
    // the checks' minutes reach Postgres before a short-lived process (the CLI) ends
    await this.buffer.flush();
    const verdict: MonitorVerdict = rows.some((r) => r.status === 'down') ? 2 : rows.some((r) => r.status !== 'up') ? 1 : 0;
    return { rows, verdict };
  }

  /** The current tenant's round: checks, then (with `alert`) the rules over checks and traffic. */
  async runTenant(opts: { plugin?: string; alert: boolean }): Promise<MonitorRow[]> {
    const outcomes = await this.checks.checkAll({ plugin: opts.plugin });
    if (opts.alert) {
      for (const o of outcomes) await this.evaluator.afterCheck(o);
      await this.evaluator.evaluateTraffic();
    }
    const tenantId = this.context.tenantId;
    const [health, recent] = await Promise.all([
      this.health.all(),
      this.series.byConnection({ from: new Date(Date.now() - RECENT_MS), to: new Date() }, { plugin: opts.plugin }),
    ]);
    const traffic = new Map(recent.map((r) => [r.connectionId, r]));
    return outcomes.map((o) => {
      const t = traffic.get(o.connectionId);
      return {
        tenantId, connectionId: o.connectionId, name: o.name, plugin: o.plugin, status: o.status, latencyMs: o.latencyMs,
        errorRate: t?.calls ? Math.round((t.errors / t.calls) * 10_000) / 10_000 : null,
        circuit: health.get(o.connectionId)?.circuit ?? 'closed', tokenExpiry: o.tokenExpiresAt, detail: o.detail,
      };
    });
  }

  /**
   * The scheduler's tick: a round job per tenant with connections, and every tenant's queue backlog.
   * A round's job id is the tenant's, so a tenant whose round is still waiting or running is not
   * given another one (rounds slower than the interval do not pile up).
   */
  async tick(): Promise<{ tenants: number }> {
    const tenants = await this.tenantsToVisit();
    for (const tenantId of tenants) {
      await this.context.runAsTenant(monitoringPrincipal(tenantId), () =>
        this.jobs.enqueue(this.queue, TENANT_TICK_JOB, {}, { jobId: `round:${tenantId}`, attempts: 1, removeOnComplete: true, removeOnFail: true }));
    }
    const backlog = await this.queues.backlogByTenant();
    for (const tenantId of new Set([...backlog.map((b) => b.tenantId), ...(await this.tenantsWithOpenBacklogAlerts())])) {
      await this.context.runAsTenant(monitoringPrincipal(tenantId), () => this.evaluator.evaluateBacklog(backlog)).catch((e: Error) => this.log.warn(`queue backlog of tenant ${tenantId}: ${e.message}`));
    }
    return { tenants: tenants.length };
  }

  /** Tenants that have (usable) connections, before any tenant context exists: deployment-wide by design. */
  private async tenantsToVisit(plugin?: string): Promise<string[]> {
    const qb = this.dataSource.manager.createQueryBuilder(Connection, 'c').select('DISTINCT c.tenant_id', 'tenantId').where(`c.status <> 'disabled'`);
    if (plugin) qb.andWhere('c.plugin = :plugin', { plugin });
    return (await qb.getRawMany<{ tenantId: string }>()).map((r) => r.tenantId);
  }

  /** Tenants whose queue_backlog incident may need clearing: deployment-wide by design. */
  private async tenantsWithOpenBacklogAlerts(): Promise<string[]> {
    const rows = await this.dataSource.manager.createQueryBuilder(Alert, 'a').select('DISTINCT a.tenant_id', 'tenantId')
      .where(`a.type = 'queue_backlog' AND a.status <> 'resolved'`).getRawMany<{ tenantId: string }>();
    return rows.map((r) => r.tenantId);
  }
}
