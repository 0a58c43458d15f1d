import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { EventBus } from '../../core/events';
import { PluginRegistry } from '../../core/plugin-host';
import type { ParsedWebhookEvent, PluginDefinition } from '../../core/plugin-sdk';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { ConnectionNeedsReauthError } from '../connections';
import { SyncRunsService } from '../sync';
import { addToOutbox, OutboxRelay } from './outbox-relay.service';
import { maskSecrets } from './payload-mask';
import { WebhookEvent, WebhookEventAttempt, WebhookRejection, type WebhookEventStatus } from './webhook-event.entity';
import { decodeBody, UNPARSED_TYPE } from './webhook-ingest.service';
import { WEBHOOK_FAILED_EVENT, WEBHOOK_RECEIVED_EVENT } from './webhooks.constants';

export interface WebhookEventFilter {
  plugin?: string;
  connectionId?: string;
  status?: WebhookEventStatus;
  type?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

export interface WebhookEventView {
  id: string;
  plugin: string;
  connectionId: string;
  type: string;
  externalId: string | null;
  entity: string | null;
  externalIds: string[];
  status: WebhookEventStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  outcome: Record<string, unknown> | null;
  occurredAt: Date | null;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface WebhookEventDetail extends WebhookEventView {
  /** the event's data, secret-looking fields masked */
  payload: unknown;
  attemptLog: { attempt: number; ok: boolean; error: string | null; outcome: Record<string, unknown> | null; startedAt: Date; finishedAt: Date }[];
}

/** What processing an event did, kept on the event and its attempt. */
type Outcome = Record<string, unknown>;

/** An event as its claim returns it: what processing reads. */
type ClaimedEvent = Pick<WebhookEvent, 'id' | 'tenantId' | 'connectionId' | 'plugin' | 'type' | 'externalId' | 'entity' | 'externalIds' | 'occurredAt' | 'payload' | 'rawBody' | 'rawHeaders' | 'attempts'>;

function claimedEvent(r: Record<string, unknown>): ClaimedEvent {
  return {
    id: r.id as string, tenantId: r.tenant_id as string, connectionId: r.connection_id as string, plugin: r.plugin as string, type: r.type as string,
    externalId: r.external_id as string | null, entity: r.entity as string | null, externalIds: r.external_ids as string[], occurredAt: r.occurred_at as Date | null,
    payload: r.payload, rawBody: r.raw_body as string | null, rawHeaders: r.raw_headers as Record<string, string> | null, attempts: r.attempts as number,
  };
}

/**
 * Inbound events after acceptance: processed on the queue (the plugin's typed events refresh the
 * entities they name through an incremental sync, and each is announced as `webhook.received`),
 * retried with doubling delays through the outbox, dead-lettered after WEBHOOK_PROCESS_ATTEMPTS;
 * listed, shown (secrets masked) and replayed through the API.
 */
@Injectable()
export class WebhookEventsService {
  constructor(
    private readonly db: TenantDb,
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly plugins: PluginRegistry,
    private readonly syncRuns: SyncRunsService,
    private readonly events: EventBus,
    private readonly relay: OutboxRelay,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  /** Newest first; keyset on (received_at, id) through the previous page's last id. */
  async list(f: WebhookEventFilter): Promise<{ data: WebhookEventView[]; nextCursor: string | null }> {
    const qb = this.db.repo(WebhookEvent).query('e');
    if (f.plugin) qb.andWhere('e.plugin = :plugin', { plugin: f.plugin });
    if (f.connectionId) qb.andWhere('e.connection_id = :connectionId', { connectionId: f.connectionId });
    if (f.status) qb.andWhere('e.status = :status', { status: f.status });
    if (f.type) qb.andWhere('e.type = :type', { type: f.type });
    if (f.from) qb.andWhere('e.received_at >= :from', { from: f.from });
    if (f.to) qb.andWhere('e.received_at < :to', { to: f.to });
    if (f.cursor) {
      qb.andWhere('(e.received_at, e.id) < (SELECT c.received_at, c.id FROM webhook_events c WHERE c.id = :cursor AND c.tenant_id = :__tenantId)', { cursor: f.cursor });
    }
    const rows = await qb.orderBy('e.received_at', 'DESC').addOrderBy('e.id', 'DESC').take(f.limit + 1).getMany();
    const data = rows.slice(0, f.limit);
    return { data: data.map(view), nextCursor: rows.length > f.limit ? data[data.length - 1].id : null };
  }

  async get(id: string): Promise<WebhookEventDetail> {
    const e = await this.find(id);
    const attempts = await this.db.repo(WebhookEventAttempt).find({ eventId: id }, { order: { id: 'ASC' } });
    return {
      ...view(e),
      payload: maskSecrets(e.rawBody !== null ? decodeBody(Buffer.from(e.rawBody), e.rawHeaders?.['content-type']) : e.payload),
      attemptLog: attempts.map((a) => ({ attempt: a.attempt, ok: a.ok, error: a.error, outcome: a.outcome, startedAt: a.startedAt, finishedAt: a.finishedAt })),
    };
  }

  /** Processes the event again (a dead one, or one processed already): back to pending, through the outbox. */
  async replay(id: string): Promise<WebhookEventView> {
    const e = await this.find(id);
    if (e.status === 'processing' || e.status === 'pending') throw new ConflictException(`event ${id} is ${e.status} already`);
    await this.dataSource.transaction(async (m) => {
      await this.db.repo(WebhookEvent, m).update({ id }, { status: 'pending', attempts: 0, nextAttemptAt: null, leaseUntil: null, updatedAt: new Date() });
      await addToOutbox(m, [{ tenantId: this.context.tenantId, kind: 'event', refId: id }]);
    });
    this.relay.kick();
    return view(await this.find(id));
  }

  /** Refused deliveries per connection and reason. */
  async rejections(): Promise<{ connectionId: string; plugin: string; reason: string; count: number; firstAt: Date; lastAt: Date }[]> {
    const rows = await this.db.repo(WebhookRejection).find({}, { order: { lastAt: 'DESC' } });
    return rows.map((r) => ({ connectionId: r.connectionId, plugin: r.plugin, reason: r.reason, count: Number(r.count), firstAt: r.firstAt, lastAt: r.lastAt }));
  }

  /**
   * One processing attempt of each of these events, in their tenant. The events are claimed for
   * WEBHOOK_JOB_LOCK_MS in one statement, so a duplicate job finds them taken (or done) and does
   * nothing; a killed worker's claims lapse and the events are taken up again. Successes are recorded
   * together; a failure schedules that event's next attempt in the outbox, or dead-letters it.
   * Returns how many events ended in each state.
   */
  async process(eventIds: readonly string[]): Promise<Record<string, number>> {
    const tenantId = this.context.tenantId;
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE webhook_events SET status = 'processing', attempts = attempts + 1, lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
          WHERE id = ANY($1::uuid[]) AND tenant_id = $2
            AND ((status IN ('pending','failed') AND coalesce(next_attempt_at, now()) <= now() + interval '1 second')
              OR (status = 'processing' AND lease_until < now()))
         RETURNING id, tenant_id, connection_id, plugin, type, external_id, entity, external_ids, occurred_at, payload, raw_body, raw_headers, attempts)
       SELECT * FROM claimed`,
      [eventIds, tenantId, this.config.WEBHOOK_JOB_LOCK_MS],
    );
    const tally: Record<string, number> = { skipped: eventIds.length - rows.length };
    const done: { event: ClaimedEvent; outcome: Outcome; startedAt: Date }[] = [];
    // one refresh per connection and entity for the whole batch: the events after the first find the sync active
    const refreshes = new Map<string, Promise<Outcome>>();
    for (const event of rows.map(claimedEvent)) {
      const startedAt = new Date();
      try {
        done.push({ event, outcome: await this.handle(event, refreshes), startedAt });
      } catch (e) {
        const status = await this.failed(event, startedAt, (e as Error).message.slice(0, 2000));
        tally[status] = (tally[status] ?? 0) + 1;
      }
    }
    if (done.length) {
      // each claim is checked again (still ours, same attempt), and the attempts logged, in one statement
      await this.dataSource.query(
        `WITH input AS (
           SELECT * FROM unnest($2::uuid[], $3::int[], $4::jsonb[], $5::timestamptz[]) AS t(id, attempt, outcome, started_at)
         ), finished AS (
           UPDATE webhook_events e SET status = 'processed', outcome = i.outcome, last_error = NULL, next_attempt_at = NULL, lease_until = NULL, processed_at = now(), updated_at = now()
             FROM input i WHERE e.id = i.id AND e.tenant_id = $1 AND e.status = 'processing' AND e.attempts = i.attempt
           RETURNING e.id, i.attempt, i.outcome, i.started_at)
         INSERT INTO webhook_event_attempts (tenant_id, event_id, attempt, ok, outcome, started_at) SELECT $1, id, attempt, true, outcome, started_at FROM finished`,
        [tenantId, done.map((d) => d.event.id), done.map((d) => d.event.attempts), done.map((d) => JSON.stringify(d.outcome)), done.map((d) => d.startedAt)],
      );
      tally.processed = done.length;
    }
    return tally;
  }

  /** Logs the failed attempt, and schedules the next one in the outbox or dead-letters the event. */
  private async failed(event: ClaimedEvent, startedAt: Date, error: string): Promise<WebhookEventStatus> {
    const dead = event.attempts >= this.config.WEBHOOK_PROCESS_ATTEMPTS;
    const next = dead ? null : new Date(Date.now() + this.config.WEBHOOK_PROCESS_BACKOFF_MS * 2 ** (event.attempts - 1));
    await this.dataSource.query(
      `WITH done AS (
         UPDATE webhook_events SET status = $4, last_error = $5, next_attempt_at = $6, lease_until = NULL, updated_at = now()
          WHERE id = $1 AND tenant_id = $2 AND status = 'processing' AND attempts = $3 RETURNING id, tenant_id),
       logged AS (INSERT INTO webhook_event_attempts (tenant_id, event_id, attempt, ok, error, started_at) SELECT tenant_id, id, $3, false, $5, $7 FROM done)
       INSERT INTO webhook_outbox (tenant_id, kind, ref_id, available_at) SELECT tenant_id, 'event', id::text, $6 FROM done WHERE $6::timestamptz IS NOT NULL`,
      [event.id, event.tenantId, event.attempts, dead ? 'dead' : 'failed', error, next, startedAt],
    );
    this.events.emit(WEBHOOK_FAILED_EVENT, event.tenantId, {
      plugin: event.plugin, connectionId: event.connectionId, eventId: event.id, type: event.type, attempt: event.attempts, dead, error,
    });
    return dead ? 'dead' : 'failed';
  }

  /** The event's typed events: refresh what they touch, then announce each. */
  private async handle(event: ClaimedEvent, refreshes: Map<string, Promise<Outcome>>): Promise<Outcome> {
    const plugin = this.plugins.get(event.plugin);
    if (!plugin?.webhooks) throw new Error(`plugin ${event.plugin} is not loaded in this process`);
    const typed = this.typedEvents(plugin, event);
    const refreshed: Outcome[] = [];
    for (const entity of new Set(typed.map((t) => t.entity).filter((x): x is string => !!x))) {
      const key = `${event.connectionId}|${entity}`;
      const first = !refreshes.has(key);
      if (first) refreshes.set(key, this.refresh(plugin, event.connectionId, entity));
      const outcome = await refreshes.get(key)!;
      refreshed.push({ entity, ...(first || outcome.sync !== 'queued' ? outcome : { sync: 'already_active' }) });
    }
    typed.forEach((t, i) => {
      this.events.emit(WEBHOOK_RECEIVED_EVENT, event.tenantId, {
        plugin: plugin.name, connectionId: event.connectionId, eventId: typed.length > 1 ? `${event.id}:${i}` : event.id, externalEventId: t.id,
        type: `${plugin.name}.${t.type}`, ...(t.entity ? { entity: t.entity } : {}), ...(t.externalIds?.length ? { externalIds: t.externalIds } : {}), data: t.data,
      });
    });
    return { events: typed.length, refreshed };
  }

  /** A stored event is one typed event; a delivery the plugin could not parse at acceptance is parsed now (and fails again until it can be). */
  private typedEvents(plugin: PluginDefinition, e: ClaimedEvent): ParsedWebhookEvent[] {
    if (e.type !== `${plugin.name}.${UNPARSED_TYPE}` || e.rawBody === null) {
      return [{ id: e.externalId, type: e.type.slice(plugin.name.length + 1), occurredAt: e.occurredAt, entity: e.entity ?? undefined, externalIds: e.externalIds, data: e.payload }];
    }
    const headers = e.rawHeaders ?? {};
    try {
      return plugin.webhooks!.parse(decodeBody(Buffer.from(e.rawBody, 'utf8'), headers['content-type']), headers);
    } catch (err) {
      throw new Error(`${plugin.name} could not parse the delivery: ${(err as Error).message}`);
    }
  }

  /** An incremental sync of the entity, where the tenant syncs it; an active run (or a gone connection) makes one unnecessary. */
  private async refresh(plugin: PluginDefinition, connectionId: string, entity: string): Promise<Outcome> {
    if (!Object.hasOwn(plugin.entities, entity)) return { sync: 'skipped', reason: `${plugin.name} has no entity ${entity}` };
    if (!(await this.syncRuns.hasSynced(connectionId, entity))) return { sync: 'skipped', reason: 'the entity was never synced on this connection' };
    try {
      const run = await this.syncRuns.start(connectionId, { entity, mode: 'incremental', trigger: 'webhook' });
      return { sync: 'queued', runId: run.id };
    } catch (e) {
      if (e instanceof ConflictException) return { sync: 'already_active' };
      if (e instanceof NotFoundException) return { sync: 'skipped', reason: 'the connection is gone' };
      if (e instanceof ConnectionNeedsReauthError) return { sync: 'skipped', reason: 'the connection needs re-authorization' };
      throw e;
    }
  }

  private async find(id: string): Promise<WebhookEvent> {
    const e = await this.db.repo(WebhookEvent).findOne({ id });
    if (!e) throw new NotFoundException(`no webhook event ${id}`);
    return e;
  }
}

function view(e: WebhookEvent): WebhookEventView {
  return {
    id: e.id, plugin: e.plugin, connectionId: e.connectionId, type: e.type, externalId: e.externalId, entity: e.entity, externalIds: e.externalIds,
    status: e.status, attempts: e.attempts, lastError: e.lastError, nextAttemptAt: e.nextAttemptAt, outcome: e.outcome,
    occurredAt: e.occurredAt, receivedAt: e.receivedAt, processedAt: e.processedAt,
  };
}
