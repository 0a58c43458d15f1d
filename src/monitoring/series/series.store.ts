import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { RequestContext } from '../../core/tenancy';
import { COUNT_COLUMNS, type CountName, type SeriesCell, type SeriesCounters } from './series-cell';

const COUNTS = Object.entries(COUNT_COLUMNS) as [CountName, string][];
const WATERMARK = 'rollup_watermark';
const ROLLUP_LOCK = 'plugboard.monitoring.rollup';
/** hours this recent are rolled up again on every run, so minutes flushed late still count */
const REROLL_HOURS = 2;

/** A minute had traffic or a check; it was up when no check failed, at most half the calls were the platform's fault, and the circuit did not refuse every call. */
const OBSERVED = '(calls > 0 OR checks > 0 OR rejected_circuit > 0)';
const UP = `(${OBSERVED} AND checks_failed = 0 AND faults * 2 <= calls AND NOT (calls = 0 AND rejected_circuit > 0))`;

export interface TimeRange {
  from: Date;
  to: Date;
}

/** Sums over a range: every counter, the latency histogram, and how many observed minutes were up. */
export interface SeriesTotals extends SeriesCounters {
  observedMinutes: number;
  upMinutes: number;
}

export interface ConnectionTotals extends SeriesTotals {
  connectionId: string;
  plugin: string;
}

export interface BucketTotals extends SeriesTotals {
  bucket: Date;
}

export interface TenantUsage {
  tenantId: string;
  calls: number;
  errors: number;
  recordsSynced: number;
  webhooksReceived: number;
  workflowRuns: number;
  connections: number;
}

export interface RollupOutcome {
  /** false when another process held the lock: it did this run */
  ran: boolean;
  hourRows: number;
  deletedMinuteRows: number;
  deletedHourRows: number;
}

/**
 * $1 from, $2 to, $3 the watermark's key: hours before the watermark, minutes from it on. Hours are
 * taken whole, so a range starting mid-hour includes that hour's start.
 */
const RANGE = `(
  (resolution = 'hour' AND bucket >= date_trunc('hour', $1::timestamptz)
     AND bucket < least($2::timestamptz, coalesce((SELECT at FROM monitoring_state WHERE key = $3), '-infinity'::timestamptz)))
  OR (resolution = 'minute' AND bucket < $2::timestamptz
     AND bucket >= greatest($1::timestamptz, coalesce((SELECT at FROM monitoring_state WHERE key = $3), '-infinity'::timestamptz))))`;

const SUMS = [
  ...COUNTS.map(([name, col]) => `sum(${col})::int AS "${name}"`),
  'sum(latency_sum_ms)::float8 AS "latencySumMs"',
  'monitoring_array_sum(latency_hist) AS "latencyHist"',
  `sum(CASE WHEN resolution = 'hour' THEN minutes_observed ELSE (${OBSERVED})::int END)::int AS "observedMinutes"`,
  `sum(CASE WHEN resolution = 'hour' THEN minutes_up ELSE (${UP})::int END)::int AS "upMinutes"`,
].join(', ');

/**
 * Every SQL statement over the time series. Minutes are written by each process's SeriesBuffer (one
 * statement per flush, whatever the number of connections and tenants in it) and rolled up into hours
 * by the maintenance job; reads take hours up to the rollup watermark and minutes after it, so a
 * figure is the same before and after its minutes are rolled up and deleted.
 *
 * Reads filter by the current tenant. The writes and the maintenance are deployment-wide on purpose:
 * a flush carries many tenants' minutes, and the rollup and retention cover every tenant.
 */
@Injectable()
export class SeriesStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  /** Adds a batch of per-minute counters to the stored minutes (rows of deleted tenants are dropped). */
  async addMinutes(cells: readonly SeriesCell[]): Promise<void> {
    if (!cells.length) return;
    const cols = COUNTS.map(([, c]) => c);
    const rows = cells.map((c) => ({
      tenant_id: c.tenantId, connection_id: c.connectionId, plugin: c.plugin, minute: c.minute,
      latency_sum_ms: c.latencySumMs, latency_hist: c.latencyHist, ...Object.fromEntries(COUNTS.map(([n, col]) => [col, c[n]])),
    }));
    await this.dataSource.query(
      `INSERT INTO monitoring_series (resolution, tenant_id, connection_id, plugin, bucket, latency_sum_ms, latency_hist, ${cols.join(', ')})
       SELECT 'minute', r.tenant_id, r.connection_id, r.plugin, to_timestamp(r.minute * 60), r.latency_sum_ms, r.latency_hist, ${cols.map((c) => `r.${c}`).join(', ')}
       FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, connection_id uuid, plugin text, minute bigint, latency_sum_ms float8, latency_hist int[], ${cols.map((c) => `${c} int`).join(', ')})
       JOIN tenants t ON t.id = r.tenant_id
       ON CONFLICT (resolution, tenant_id, connection_id, bucket) DO UPDATE SET
         plugin = EXCLUDED.plugin,
         latency_sum_ms = monitoring_series.latency_sum_ms + EXCLUDED.latency_sum_ms,
         latency_hist = monitoring_array_add(monitoring_series.latency_hist, EXCLUDED.latency_hist),
         ${cols.map((c) => `${c} = monitoring_series.${c} + EXCLUDED.${c}`).join(', ')}`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Rolls complete hours up from their minutes (the last REROLL_HOURS again), moves the watermark,
   * and applies retention. One run at a time across processes (an advisory lock; the loser skips).
   */
  async rollup(): Promise<RollupOutcome> {
    const minuteRetention = this.config.MONITOR_MINUTE_RETENTION_HOURS;
    const hourRetention = this.config.MONITOR_HOUR_RETENTION_DAYS;
    return this.dataSource.transaction(async (m) => {
      const [{ locked }] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [ROLLUP_LOCK]);
      if (!locked) return { ran: false, hourRows: 0, deletedMinuteRows: 0, deletedHourRows: 0 };
      const [{ from, target }] = await m.query(
        `SELECT coalesce((SELECT at FROM monitoring_state WHERE key = $1) - make_interval(hours => $2), '-infinity'::timestamptz) AS "from",
                date_trunc('hour', now() - interval '2 minutes') AS target`,
        [WATERMARK, REROLL_HOURS],
      );
      const cols = COUNTS.map(([, c]) => c);
      const rolled = await m.query(
        `INSERT INTO monitoring_series (resolution, tenant_id, connection_id, bucket, plugin, latency_sum_ms, latency_hist, minutes_observed, minutes_up, ${cols.join(', ')})
         SELECT 'hour', tenant_id, connection_id, date_trunc('hour', bucket), max(plugin), sum(latency_sum_ms), monitoring_array_sum(latency_hist),
                count(*) FILTER (WHERE ${OBSERVED}), count(*) FILTER (WHERE ${UP}), ${cols.map((c) => `sum(${c})`).join(', ')}
         FROM monitoring_series WHERE resolution = 'minute' AND bucket >= $1 AND bucket < $2
         GROUP BY tenant_id, connection_id, date_trunc('hour', bucket)
         ON CONFLICT (resolution, tenant_id, connection_id, bucket) DO UPDATE SET
           plugin = EXCLUDED.plugin, latency_sum_ms = EXCLUDED.latency_sum_ms, latency_hist = EXCLUDED.latency_hist,
           minutes_observed = EXCLUDED.minutes_observed, minutes_up = EXCLUDED.minutes_up,
           ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
         RETURNING 1`,
        [from, target],
      );
      await m.query(`INSERT INTO monitoring_state (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = EXCLUDED.at`, [WATERMARK, target]);
      // minutes are deleted only once they can never be rolled up again
      const [, deletedMinutes] = await m.query(
        `DELETE FROM monitoring_series WHERE resolution = 'minute' AND bucket < least($1::timestamptz - make_interval(hours => $2), now() - make_interval(hours => $3))`,
        [target, REROLL_HOURS, minuteRetention],
      );
      const [, deletedHours] = await m.query(`DELETE FROM monitoring_series WHERE resolution = 'hour' AND bucket < now() - make_interval(days => $1)`, [hourRetention]);
      return { ran: true, hourRows: rolled.length, deletedMinuteRows: Number(deletedMinutes ?? 0), deletedHourRows: Number(deletedHours ?? 0) };
    });
  }

  /** The current tenant's sums over a range, per connection. */
  async byConnection(range: TimeRange, filter: { plugin?: string; connectionId?: string } = {}): Promise<ConnectionTotals[]> {
    const { where, params } = this.scope(range, filter);
    const rows = await this.dataSource.query(
      `SELECT connection_id AS "connectionId", max(plugin) AS plugin, ${SUMS} FROM monitoring_series WHERE ${where} GROUP BY connection_id`,
      params,
    );
    return rows.map(totals);
  }

  /** The current tenant's sums per hour (or minute) bucket over a range: the figures behind charts. */
  async byBucket(range: TimeRange, resolution: 'minute' | 'hour', filter: { plugin?: string; connectionId?: string } = {}): Promise<BucketTotals[]> {
    const { where, params } = this.scope(range, filter);
    const rows = await this.dataSource.query(
      `SELECT date_trunc($${params.length + 1}, bucket) AS bucket, ${SUMS} FROM monitoring_series WHERE ${where} GROUP BY 1 ORDER BY 1`,
      [...params, resolution],
    );
    return rows.map(totals);
  }

  /** Every tenant's usage over a range, for operators (the admin panel): deployment-wide by design. */
  async tenantUsage(range: TimeRange): Promise<TenantUsage[]> {
    const rows = await this.dataSource.query(
      `SELECT tenant_id AS "tenantId", sum(calls)::int AS calls, sum(errors)::int AS errors, sum(records_synced)::int AS "recordsSynced",
              sum(webhooks_received)::int AS "webhooksReceived", sum(workflow_runs)::int AS "workflowRuns",
              count(DISTINCT connection_id) FILTER (WHERE calls > 0 OR checks > 0)::int AS connections
       FROM monitoring_series WHERE ${RANGE} GROUP BY tenant_id ORDER BY calls DESC`,
      [range.from, range.to, WATERMARK],
    );
    return rows as TenantUsage[];
  }

  private scope(range: TimeRange, filter: { plugin?: string; connectionId?: string }): { where: string; params: unknown[] } {
    const params: unknown[] = [range.from, range.to, WATERMARK, this.context.tenantId];
    let where = `tenant_id = $4 AND ${RANGE}`;
    if (filter.plugin) {
      params.push(filter.plugin);
      where += ` AND plugin = $${params.length}`;
    }
    if (filter.connectionId) {
      params.push(filter.connectionId);
      where += ` AND connection_id = $${params.length}`;
    }
    return { where, params };
  }
}

function totals<T extends SeriesTotals>(r: T): T {
  return { ...r, latencyHist: r.latencyHist ?? [] };
}
