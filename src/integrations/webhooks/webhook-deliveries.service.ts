import { ConflictException, Inject, Injectable, Logger, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type Redis from 'ioredis';
import { DataSource, type EntityManager } from 'typeorm';
import { request, type Agent } from 'undici';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { EventBus, type PlatformEvent } from '../../core/events';
import { signWebhook, webhookSchemes } from '../../core/plugin-sdk';
import { REDIS } from '../../core/redis';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { RecordsStore } from '../sync';
import { AddressGuard } from '../../core/http';
import { addToOutbox, OutboxRelay } from './outbox-relay.service';
import { WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint, type DeliveryStatus } from './webhook-endpoint.entity';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { ENDPOINT_DISABLED_EVENT, OUTBOUND_TYPE_OF, TEST_EVENT_TYPE } from './webhooks.constants';

const SIGNATURE = webhookSchemes.standardWebhooks();
const RECORD_TYPES = ['record.created', 'record.updated', 'record.deleted'];
const RECORD_TYPE_OF: Record<string, string> = { added: 'record.created', updated: 'record.updated', deleted: 'record.deleted' };
/** Change-feed rows read per page when fanning record changes out. */
const FEED_PAGE = 500;
/** How much of a receiver's answer the attempt log keeps. */
const RESPONSE_KEPT = 1024;

export interface DeliveryFilter {
  endpointId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  cursor?: string;
  limit: number;
}

export interface DeliveryView {
  id: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

interface NewDelivery {
  endpointId: string;
  messageId: string;
  eventType: string;
  payload: Record<string, unknown>;
}

/**
 * Outbound webhooks: Plugboard's events fanned out to the tenant's endpoints as delivery rows (with
 * their outbox rows, in one statement), then attempted on the queue: signed per Standard Webhooks
 * with the endpoint's secret(s), the same `webhook-id` on every attempt, through the SSRF guard,
 * within the endpoint's rate, retried on OUTBOUND_WEBHOOK_RETRY_SCHEDULE, dead-lettered after it;
 * an endpoint failing for OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS is disabled. Every attempt is logged.
 */
@Injectable()
export class WebhookDeliveriesService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(WebhookDeliveriesService.name);
  private readonly agent: Agent;
  private unsubscribe?: () => void;

  constructor(
    private readonly db: TenantDb,
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly endpoints: WebhookEndpointsService,
    private readonly records: RecordsStore,
    private readonly relay: OutboxRelay,
    private readonly events: EventBus,
    private readonly guard: AddressGuard,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {
    // the guard checks every address the agent connects to, so a name cannot be re-pointed at the internal network after a check
    this.agent = guard.agent(config.OUTBOUND_WEBHOOK_TIMEOUT_MS);
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.on('*', (e) => this.onPlatformEvent(e));
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.agent.close();
  }

  // --- fan-out

  /** Queues a delivery of one event to every enabled endpoint of the tenant that takes its type (or to one endpoint). */
  async enqueue(tenantId: string, eventType: string, data: unknown, at: Date, onlyEndpointId?: string): Promise<string[]> {
    const payload = { type: eventType, timestamp: at.toISOString(), data };
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH targets AS (
         SELECT id, tenant_id FROM webhook_endpoints
          WHERE tenant_id = $1 AND status = 'enabled' AND ($5::uuid IS NULL OR id = $5) AND ($5::uuid IS NOT NULL OR $2 = ANY(event_types))
       ), ins AS (
         INSERT INTO webhook_deliveries (tenant_id, endpoint_id, message_id, event_type, payload, next_attempt_at)
         SELECT tenant_id, id, $3, $2, $4::jsonb, now() + $6 * interval '1 second' FROM targets RETURNING id, tenant_id, next_attempt_at
       ), queued AS (
         INSERT INTO webhook_outbox (tenant_id, kind, ref_id, available_at) SELECT tenant_id, 'delivery', id::text, next_attempt_at FROM ins
       )
       SELECT id FROM ins`,
      [tenantId, eventType, messageId(), JSON.stringify(payload), onlyEndpointId ?? null, this.config.OUTBOUND_WEBHOOK_RETRY_SCHEDULE[0]],
    );
    if (rows.length) this.relay.kick();
    return rows.map((r) => r.id);
  }

  /** A `webhook.test` delivery to one endpoint. */
  async test(endpointId: string): Promise<DeliveryView> {
    const e = await this.endpoints.find(endpointId);
    const [id] = await this.enqueue(this.context.tenantId, TEST_EVENT_TYPE, { endpointId: e.id, message: 'a test delivery from Plugboard' }, new Date(), e.id);
    if (!id) throw new ConflictException(`endpoint ${endpointId} is disabled`);
    return this.get(id);
  }

  private async onPlatformEvent(e: PlatformEvent): Promise<void> {
    const type = OUTBOUND_TYPE_OF[e.type];
    if (type) await this.enqueue(e.tenantId, type, e.data, e.occurredAt);
    if (e.type === 'sync.completed' && !e.data.dryRun) {
      // the run's record changes go out from the change feed, on the queue
      await this.dataSource.query(
        `INSERT INTO webhook_outbox (tenant_id, kind, ref_id)
         SELECT $1, 'records', $2 WHERE EXISTS (
           SELECT 1 FROM webhook_endpoints WHERE tenant_id = $1 AND status = 'enabled' AND event_types && $3::text[])`,
        [e.tenantId, e.tenantId, RECORD_TYPES],
      );
      this.relay.kick();
    }
  }

  /**
   * The tenant's record changes since its cursor, as record.* deliveries to the endpoints that take
   * them (changes from before an endpoint existed are not sent to it). One fan-out per tenant at a
   * time: the cursor row is locked until the deliveries and the new cursor are committed together.
   */
  async fanOutRecords(): Promise<number> {
    const tenantId = this.context.tenantId;
    const endpoints = (await this.db.repo(WebhookEndpoint).find({ status: 'enabled' })).filter((e) => e.eventTypes.some((t) => RECORD_TYPES.includes(t)));
    if (endpoints.length === 0) return 0;
    await this.dataSource.query(`INSERT INTO webhook_record_cursors (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
    const queued = await this.dataSource.transaction(async (m) => {
      const [{ cursor }] = await m.query(`SELECT cursor FROM webhook_record_cursors WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
      let since: string = cursor;
      let total = 0;
      for (;;) {
        const page = await this.records.changes({ since, limit: FEED_PAGE });
        const deliveries = page.data.flatMap((c) => {
          const type = RECORD_TYPE_OF[String(c.op)];
          const at = new Date(c.at as string);
          return endpoints.filter((e) => e.eventTypes.includes(type) && e.createdAt <= at).map((e): NewDelivery => ({
            endpointId: e.id,
            // one message per change, the same for every endpoint and however often the fan-out runs
            messageId: `msg_rec_${tenantId.replace(/-/g, '')}_${String(c.id)}`,
            eventType: type,
            payload: { type, timestamp: at.toISOString(), data: { changeId: c.id, connectionId: c.connectionId, entity: c.entity, model: c.model, externalId: c.externalId, recordId: c.recordId, runId: c.runId } },
          }));
        });
        total += await this.insertDeliveries(m, tenantId, deliveries);
        since = page.nextCursor;
        if (page.data.length < FEED_PAGE) break;
      }
      await m.query(`UPDATE webhook_record_cursors SET cursor = $2, updated_at = now() WHERE tenant_id = $1`, [tenantId, since]);
      return total;
    });
    if (queued) this.relay.kick();
    return queued;
  }

  private async insertDeliveries(m: EntityManager, tenantId: string, list: NewDelivery[]): Promise<number> {
    if (list.length === 0) return 0;
    const ids: { id: string }[] = await m.query(
      `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, message_id, event_type, payload, next_attempt_at)
       SELECT $1, endpoint_id, message_id, event_type, payload, now() + $6 * interval '1 second'
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::jsonb[]) AS t(endpoint_id, message_id, event_type, payload)
       RETURNING id`,
      [tenantId, list.map((d) => d.endpointId), list.map((d) => d.messageId), list.map((d) => d.eventType), list.map((d) => JSON.stringify(d.payload)), this.config.OUTBOUND_WEBHOOK_RETRY_SCHEDULE[0]],
    );
    const at = new Date(Date.now() + this.config.OUTBOUND_WEBHOOK_RETRY_SCHEDULE[0] * 1000);
    await addToOutbox(m, ids.map((r) => ({ tenantId, kind: 'delivery' as const, refId: r.id, availableAt: at })));
    return ids.length;
  }

  // --- attempts

  /**
   * One attempt of a delivery, in its tenant. Claimed with a lease (a killed worker's claim lapses),
   * so duplicate jobs do nothing; over the endpoint's rate, the attempt waits a second in the outbox.
   */
  async attempt(deliveryId: string): Promise<DeliveryStatus | 'skipped' | 'deferred'> {
    const tenantId = this.context.tenantId;
    const current = await this.db.repo(WebhookDelivery).findOne({ id: deliveryId }, { select: ['endpointId', 'status'] });
    if (!current || current.status === 'succeeded' || current.status === 'dead') return 'skipped';
    const endpoint = await this.db.repo(WebhookEndpoint).findOne({ id: current.endpointId });
    if (endpoint && endpoint.status === 'enabled' && !(await this.withinRate(endpoint))) {
      await addToOutbox(this.dataSource.manager, [{ tenantId, kind: 'delivery', refId: deliveryId, availableAt: new Date(Date.now() + 1000) }]);
      return 'deferred';
    }
    const leaseMs = this.config.OUTBOUND_WEBHOOK_TIMEOUT_MS + this.config.WEBHOOK_JOB_LOCK_MS;
    const claimed: { attempts: number }[] = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1, lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
          WHERE id = $1 AND tenant_id = $2
            AND ((status IN ('pending','failed') AND coalesce(next_attempt_at, now()) <= now() + interval '1 second')
              OR (status = 'sending' AND lease_until < now()))
         RETURNING attempts)
       SELECT * FROM claimed`,
      [deliveryId, tenantId, leaseMs],
    );
    if (claimed.length === 0) return 'skipped';
    const delivery = (await this.db.repo(WebhookDelivery).findOne({ id: deliveryId }))!;
    if (!endpoint || endpoint.status !== 'enabled') {
      await this.db.repo(WebhookDelivery).update({ id: deliveryId }, { status: 'dead', lastError: 'the endpoint is disabled or gone', leaseUntil: null, updatedAt: new Date() });
      return 'dead';
    }
    const sent = await this.send(endpoint, delivery);
    return this.record(endpoint, delivery, sent);
  }

  private async send(endpoint: WebhookEndpoint, d: WebhookDelivery): Promise<{ statusCode: number | null; error: string | null; durationMs: number; body: string | null }> {
    const body = JSON.stringify(d.payload);
    const headers = {
      'content-type': 'application/json', 'user-agent': 'Plugboard-Webhooks/1',
      ...signWebhook(SIGNATURE, await this.endpoints.signingSecrets(endpoint), { id: d.messageId, body }),
    };
    const started = performance.now();
    try {
      const host = new URL(endpoint.url).hostname.replace(/^\[|\]$/g, '');
      // an IP in the URL is connected to without a lookup, so it is checked here
      const refused = isIP(host) ? this.guard.refusal(host) : null;
      if (refused) throw new Error(`refused to connect to ${host}: ${refused}`);
      const res = await request(endpoint.url, { method: 'POST', headers, body, dispatcher: this.agent });
      const text = await res.body.text();
      return { statusCode: res.statusCode, error: null, durationMs: Math.round(performance.now() - started), body: text.slice(0, RESPONSE_KEPT) };
    } catch (e) {
      const err = e as Error & { cause?: Error };
      return { statusCode: null, error: (err.cause?.message ?? err.message).slice(0, 500), durationMs: Math.round(performance.now() - started), body: null };
    }
  }

  private async record(endpoint: WebhookEndpoint, d: WebhookDelivery, sent: Awaited<ReturnType<WebhookDeliveriesService['send']>>): Promise<DeliveryStatus> {
    const ok = sent.statusCode !== null && sent.statusCode >= 200 && sent.statusCode < 300;
    const schedule = this.config.OUTBOUND_WEBHOOK_RETRY_SCHEDULE;
    const done = d.attempts - d.scheduleBase;
    const next = ok || done >= schedule.length ? null : new Date(Date.now() + schedule[done] * 1000);
    const status: DeliveryStatus = ok ? 'succeeded' : next ? 'failed' : 'dead';
    const error = ok ? null : sent.error ?? `the endpoint answered ${sent.statusCode}`;
    const now = new Date();
    let disabled = false;
    await this.dataSource.transaction(async (m) => {
      await this.db.repo(WebhookDeliveryAttempt, m).insert({
        deliveryId: d.id, attempt: d.attempts, statusCode: sent.statusCode, error, durationMs: sent.durationMs, responseBody: sent.body, at: now,
      });
      await this.db.repo(WebhookDelivery, m).update({ id: d.id, status: 'sending', attempts: d.attempts }, {
        status, lastStatusCode: sent.statusCode, lastError: error, nextAttemptAt: next, leaseUntil: null, updatedAt: now, ...(ok ? { deliveredAt: now } : {}),
      });
      if (next) await addToOutbox(m, [{ tenantId: d.tenantId, kind: 'delivery', refId: d.id, availableAt: next }]);
      if (ok) {
        await this.db.repo(WebhookEndpoint, m).update({ id: endpoint.id }, { failingSince: null });
        return;
      }
      const failingSince = endpoint.failingSince ?? now;
      disabled = now.getTime() - failingSince.getTime() >= this.config.OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000;
      await this.db.repo(WebhookEndpoint, m).update({ id: endpoint.id }, disabled
        ? { failingSince, status: 'disabled', disabledReason: `every delivery failed since ${failingSince.toISOString()}`, updatedAt: now }
        : { failingSince });
    });
    if (disabled) {
      this.log.warn(`webhook endpoint ${endpoint.id} disabled after failing since ${(endpoint.failingSince ?? now).toISOString()}`);
      this.events.emit(ENDPOINT_DISABLED_EVENT, d.tenantId, { endpointId: endpoint.id, url: endpoint.url, failingSince: endpoint.failingSince ?? now, lastError: error });
    }
    return status;
  }

  /** Per-endpoint deliveries per second, counted in Redis so every worker shares the budget. */
  private async withinRate(endpoint: WebhookEndpoint): Promise<boolean> {
    const limit = endpoint.rateLimitPerSecond ?? this.config.OUTBOUND_WEBHOOK_RATE_LIMIT;
    const key = `webhook-rate:${endpoint.id}:${Math.floor(Date.now() / 1000)}`;
    const [[, n]] = (await this.redis.multi().incr(key).expire(key, 2).exec()) as [[null, number], unknown];
    return n <= limit;
  }

  // --- the API

  async list(f: DeliveryFilter): Promise<{ data: DeliveryView[]; nextCursor: string | null }> {
    const qb = this.db.repo(WebhookDelivery).query('d');
    if (f.endpointId) qb.andWhere('d.endpoint_id = :endpointId', { endpointId: f.endpointId });
    if (f.status) qb.andWhere('d.status = :status', { status: f.status });
    if (f.eventType) qb.andWhere('d.event_type = :eventType', { eventType: f.eventType });
    if (f.cursor) {
      qb.andWhere('(d.created_at, d.id) < (SELECT c.created_at, c.id FROM webhook_deliveries c WHERE c.id = :cursor AND c.tenant_id = :__tenantId)', { cursor: f.cursor });
    }
    const rows = await qb.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').take(f.limit + 1).getMany();
    const data = rows.slice(0, f.limit);
    return { data: data.map(deliveryView), nextCursor: rows.length > f.limit ? data[data.length - 1].id : null };
  }

  async get(id: string): Promise<DeliveryView & { payload: Record<string, unknown>; attemptLog: Omit<WebhookDeliveryAttempt, 'tenantId' | 'id' | 'deliveryId'>[] }> {
    const d = await this.find(id);
    const attempts = await this.db.repo(WebhookDeliveryAttempt).find({ deliveryId: id }, { order: { id: 'ASC' } });
    return {
      ...deliveryView(d), payload: d.payload,
      attemptLog: attempts.map((a) => ({ attempt: a.attempt, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs, responseBody: a.responseBody, at: a.at })),
    };
  }

  /** Sends a delivery again now, with its webhook-id, and a fresh retry schedule behind it. */
  async resend(id: string): Promise<DeliveryView> {
    const d = await this.find(id);
    if (d.status === 'sending') throw new ConflictException(`delivery ${id} is being sent`);
    await this.dataSource.transaction(async (m) => {
      await this.db.repo(WebhookDelivery, m).update({ id }, { status: 'pending', scheduleBase: d.attempts, nextAttemptAt: new Date(), updatedAt: new Date() });
      await addToOutbox(m, [{ tenantId: d.tenantId, kind: 'delivery', refId: id }]);
    });
    this.relay.kick();
    return deliveryView(await this.find(id));
  }

  private async find(id: string): Promise<WebhookDelivery> {
    const d = await this.db.repo(WebhookDelivery).findOne({ id });
    if (!d) throw new NotFoundException(`no webhook delivery ${id}`);
    return d;
  }
}

function messageId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}

function deliveryView(d: WebhookDelivery): DeliveryView {
  return {
    id: d.id, endpointId: d.endpointId, messageId: d.messageId, eventType: d.eventType, status: d.status, attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt, lastStatusCode: d.lastStatusCode, lastError: d.lastError, createdAt: d.createdAt, deliveredAt: d.deliveredAt,
  };
}
