import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

/** Figures that belong to a tenant but to none of its connections (workflow runs without one) use this id. */
export const NO_CONNECTION = '00000000-0000-0000-0000-000000000000';

export type SeriesResolution = 'minute' | 'hour';

/**
 * One connection's figures for one minute or one hour: calls with their latency histogram and
 * failures by kind, health checks, and the counts of syncs, webhooks and workflow runs. Minutes are
 * added to by every process (each flushes its own per-minute sums); hours are rolled up from minutes.
 * Written and read with SQL in series.store.ts.
 */
@Entity('monitoring_series')
export class SeriesPoint extends TenantOwnedEntity {
  @PrimaryColumn('text')
  resolution: SeriesResolution;

  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @PrimaryColumn('timestamptz')
  bucket: Date;

  @Column('text')
  plugin: string;

  @Column('integer') calls: number;
  /** answered >= 400, or not at all */
  @Column('integer') errors: number;
  /** the platform's fault: 5xx, timeouts, unreachable (what uptime counts) */
  @Column('integer') faults: number;
  @Column('integer', { name: 'err_rate_limited' }) errRateLimited: number;
  @Column('integer', { name: 'err_auth' }) errAuth: number;
  @Column('integer', { name: 'err_client' }) errClient: number;
  @Column('integer', { name: 'err_server' }) errServer: number;
  @Column('integer', { name: 'err_network' }) errNetwork: number;
  @Column('integer', { name: 'err_timeout' }) errTimeout: number;
  /** calls refused before reaching the platform */
  @Column('integer', { name: 'rejected_circuit' }) rejectedCircuit: number;
  @Column('integer', { name: 'rejected_quota' }) rejectedQuota: number;
  @Column('integer') retries: number;
  @Column('double precision', { name: 'latency_sum_ms' }) latencySumMs: number;
  /** counts per latency bucket (series/latency-histogram.ts) */
  @Column('integer', { name: 'latency_hist', array: true }) latencyHist: number[];
  @Column('integer') checks: number;
  @Column('integer', { name: 'checks_failed' }) checksFailed: number;
  /** hours only: of their minutes, how many had traffic or checks, and how many of those were up */
  @Column('integer', { name: 'minutes_observed' }) minutesObserved: number;
  @Column('integer', { name: 'minutes_up' }) minutesUp: number;
  @Column('integer', { name: 'records_synced' }) recordsSynced: number;
  @Column('integer', { name: 'sync_runs' }) syncRuns: number;
  @Column('integer', { name: 'sync_failures' }) syncFailures: number;
  @Column('integer', { name: 'webhooks_received' }) webhooksReceived: number;
  @Column('integer', { name: 'webhooks_failed' }) webhooksFailed: number;
  @Column('integer', { name: 'workflow_runs' }) workflowRuns: number;
  @Column('integer', { name: 'workflow_failures' }) workflowFailures: number;
}

/** Deployment-wide bookkeeping of the maintenance job (the rollup watermark). */
@Entity('monitoring_state')
export class MonitoringState {
  @PrimaryColumn('text')
  key: string;

  @Column('timestamptz')
  at: Date;
}
