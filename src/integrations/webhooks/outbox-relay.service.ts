import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { DataSource, type EntityManager } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { INBOUND_QUEUE, OUTBOUND_QUEUE, type OutboxKind } from './webhooks.constants';

/** Rows moved to the queues per transaction. */
const BATCH = 500;
/** How long the queue may take to accept a batch before the transaction gives the rows back. */
const QUEUE_TIMEOUT_MS = 5_000;
/** Open work untouched for this long has lost its job (Redis lost it, a worker died mid-way): it is queued again. */
export const STALE_SECONDS = 300;
const SWEEP_EVERY_MS = 30_000;
/** A kick waits this long, so a burst of commits is relayed in one transaction rather than one each. */
const KICK_DELAY_MS = 20;
const CLEANUP_EVERY_MS = 3_600_000;
/** Processors make work idempotent; Bull's own retries only cover a processor that could not reach the database. */
const JOB_OPTIONS: JobOptions = { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 1000 };

/** What a webhook job carries: its tenant, and the delivery (or, for record fan-out, tenant) it is about. */
export interface WebhookJobData {
  tenantId: string;
  refId: string;
}

/** An inbound job: up to EVENTS_PER_JOB events of one tenant, processed together. */
export interface EventsJobData {
  tenantId: string;
  eventIds: string[];
}

/** Inbound events per job: one job's Redis round trips and one claim serve many events. */
const EVENTS_PER_JOB = 50;

type OutboxRow = { id: string; tenant_id: string; kind: OutboxKind; ref_id: string };

/**
 * The jobs for a batch of outbox rows, each with an id made of its rows' ids, so a batch relayed
 * twice (Redis took it, the commit did not) adds nothing the second time. Inbound events go in
 * groups of the same tenant; deliveries and record fan-outs one a job.
 */
function toJobs(rows: OutboxRow[]): { inbound: { name: string; data: EventsJobData; opts: JobOptions }[]; outbound: { name: string; data: WebhookJobData; opts: JobOptions }[] } {
  const byTenant = new Map<string, OutboxRow[]>();
  for (const r of rows.filter((x) => x.kind === 'event')) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r]);
  const inbound = [...byTenant.entries()].flatMap(([tenantId, list]) => {
    const chunks: OutboxRow[][] = [];
    for (let i = 0; i < list.length; i += EVENTS_PER_JOB) chunks.push(list.slice(i, i + EVENTS_PER_JOB));
    return chunks.map((c) => ({ name: 'events', data: { tenantId, eventIds: c.map((r) => r.ref_id) }, opts: { ...JOB_OPTIONS, jobId: `events:${c[0].id}:${c.at(-1)!.id}` } }));
  });
  const outbound = rows.filter((r) => r.kind !== 'event').map((r) => ({
    name: r.kind, data: { tenantId: r.tenant_id, refId: r.ref_id }, opts: { ...JOB_OPTIONS, jobId: `${r.kind}:${r.id}` },
  }));
  return { inbound, outbound };
}

type Queryable = Pick<EntityManager, 'query'>;

/** Adds outbox rows inside the caller's statement or transaction, so the work is queued exactly when it is committed. */
export async function addToOutbox(q: Queryable, rows: { tenantId: string; kind: OutboxKind; refId: string; availableAt?: Date }[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO webhook_outbox (tenant_id, kind, ref_id, available_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS t(tenant_id, kind, ref_id, available_at)`,
    [rows.map((r) => r.tenantId), rows.map((r) => r.kind), rows.map((r) => r.refId), rows.map((r) => r.availableAt ?? new Date())],
  );
}

/**
 * The transactional outbox's relay: due rows are deleted and handed to Bull in one transaction, so a
 * row leaves Postgres only once Redis has the job. While Redis is down nothing moves and nothing is
 * lost; rows wait, and go as soon as it is back. Runs in every API and worker process (rows are
 * claimed with SKIP LOCKED); a commit in this process kicks it at once, otherwise it polls. Also
 * sweeps up open work whose job was lost, and deletes events and deliveries past their retention.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private timerAt = 0;
  private running: Promise<void> | null = null;
  private kicked = false;
  private stopped = false;
  private lastSweep = 0;
  private lastCleanup = 0;

  constructor(
    private readonly dataSource: DataSource,
    @InjectQueue(INBOUND_QUEUE) private readonly inbound: Queue,
    @InjectQueue(OUTBOUND_QUEUE) private readonly outbound: Queue,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Rows were just committed in this process: relay them soon rather than at the next poll. */
  kick(): void {
    if (this.running) this.kicked = true;
    else this.schedule(KICK_DELAY_MS);
  }

  /** Moves one batch of due rows to the queues; returns how many moved (0 while the queues are unreachable). */
  async relayOnce(): Promise<number> {
    if (!this.queuesReady()) return 0;
    return this.dataSource.transaction(async (m) => {
      const rows: OutboxRow[] = await m.query(
        `WITH due AS (
           DELETE FROM webhook_outbox WHERE id IN (
             SELECT id FROM webhook_outbox WHERE available_at <= now() ORDER BY available_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id, tenant_id, kind, ref_id)
         SELECT * FROM due`,
        [BATCH],
      );
      if (rows.length === 0) return 0;
      const { inbound, outbound } = toJobs(rows);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the queue did not take ${rows.length} jobs within ${QUEUE_TIMEOUT_MS} ms`)), QUEUE_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.all([inbound.length && this.inbound.addBulk(inbound), outbound.length && this.outbound.addBulk(outbound)]), timeout]);
      } finally {
        clearTimeout(timer);
      }
      return rows.length;
    });
  }

  /** Queues again the open events and deliveries nobody has touched for `olderThanSeconds` and that have no outbox row. */
  async sweep(olderThanSeconds = STALE_SECONDS): Promise<number> {
    return (await this.requeueStale('webhook_events', 'event', 'processing', olderThanSeconds))
      + (await this.requeueStale('webhook_deliveries', 'delivery', 'sending', olderThanSeconds));
  }

  /**
   * Work whose job was lost (Redis lost it) or whose worker died mid-way (its claim lapsed long ago):
   * a claimed row goes back to failed, and each gets a new outbox row.
   */
  private async requeueStale(table: 'webhook_events' | 'webhook_deliveries', kind: OutboxKind, claimed: string, olderThanSeconds: number): Promise<number> {
    const [row] = await this.dataSource.query(
      `WITH stale AS (
         UPDATE ${table} SET status = CASE WHEN status = $2 THEN 'failed' ELSE status END, lease_until = NULL, updated_at = now()
          WHERE id IN (
           SELECT t.id FROM ${table} t
            WHERE ((t.status = $2 AND t.lease_until < now() - $1 * interval '1 second')
               OR (t.status IN ('pending','failed') AND t.updated_at < now() - $1 * interval '1 second'
                   AND coalesce(t.next_attempt_at, t.updated_at) < now() - $1 * interval '1 second'))
              AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.kind = $3 AND o.ref_id = t.id::text)
            LIMIT 1000)
         RETURNING id, tenant_id),
       queued AS (INSERT INTO webhook_outbox (tenant_id, kind, ref_id) SELECT tenant_id, $3, id::text FROM stale RETURNING 1)
       SELECT count(*)::int AS n FROM queued`,
      [olderThanSeconds, claimed, kind],
    );
    return row.n;
  }

  /** Deletes events (their idempotency keys with them) and deliveries older than the retention, in chunks. */
  async cleanup(): Promise<number> {
    let deleted = 0;
    for (const [table, column] of [['webhook_events', 'received_at'], ['webhook_deliveries', 'created_at']] as const) {
      for (;;) {
        const [row] = await this.dataSource.query(
          `WITH gone AS (DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${column} < now() - $1 * interval '1 day' LIMIT 5000) RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [this.config.WEBHOOK_RETENTION_DAYS],
        );
        deleted += row.n;
        if (row.n < 5000) break;
      }
    }
    return deleted;
  }

  private queuesReady(): boolean {
    return this.inbound.client.status === 'ready' && this.outbound.client.status === 'ready';
  }

  /** Runs the relay in `ms`, unless a run is due sooner already. */
  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => {
        this.running = null;
        if (this.kicked) this.schedule(KICK_DELAY_MS);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    this.kicked = false;
    let next = this.config.WEBHOOK_RELAY_INTERVAL_MS;
    try {
      if ((await this.relayOnce()) === BATCH) next = 0;
      const now = Date.now();
      if (now - this.lastSweep >= SWEEP_EVERY_MS) {
        this.lastSweep = now;
        await this.sweep();
      }
      if (now - this.lastCleanup >= CLEANUP_EVERY_MS) {
        this.lastCleanup = now;
        await this.cleanup();
      }
    } catch (e) {
      this.log.warn(`outbox relay: ${(e as Error).message}`);
    }
    this.schedule(next);
  }
}
