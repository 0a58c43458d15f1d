import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { PluginRegistry } from '../../core/plugin-host';
import { verifyWebhook, type ParsedWebhookEvent, type PluginDefinition, type WebhookDefinition, type WebhookVerification } from '../../core/plugin-sdk';
import { GroupCommit } from './group-commit';
import { OutboxRelay } from './outbox-relay.service';
import { WebhookConnectionResolver, type ResolvedConnection, type WebhookTarget } from './webhook-connections';

/** A delivery as it arrived on a webhook route. */
export interface InboundDelivery {
  plugin: string;
  /** from the URL of per-connection webhooks; absent for app-level ones */
  connectionId?: string;
  method: string;
  /** path and query exactly as requested */
  path: string;
  /** lower-case names */
  headers: Record<string, string>;
  body: Buffer;
}

export type IngestOutcome =
  | { status: 200; accepted: number; duplicates: number }
  /** a handshake the plugin answers: nothing was stored */
  | { status: 200; reply: unknown }
  | { status: 401 | 404; detail: string };

/** One event as it is stored, before the tenant's context exists (the rows carry their tenant). */
interface EventRow {
  tenantId: string;
  connectionId: string;
  plugin: string;
  dedupeKey: string;
  externalId: string | null;
  type: string;
  entity: string | null;
  externalIds: string[];
  occurredAt: Date | null;
  payload: unknown;
  rawBody: string | null;
  rawHeaders: Record<string, string> | null;
}

/** The type of an event whose delivery the plugin could not parse: stored, then parsed again (and dead-lettered) on the queue. */
export const UNPARSED_TYPE = 'unparsed';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A candidate connection's verdict on a delivery; `no_secret` when it has none to verify with. */
type Verdict = WebhookVerification | { ok: false; reason: 'no_secret' };
const UNVERIFIED: IngestOutcome = { status: 401, detail: 'the delivery could not be verified' };

/**
 * Accepts inbound deliveries: finds the connection, verifies the signature with the plugin's
 * declared scheme (fail closed: no secret, a bad signature or a stale timestamp is a 401 and only a
 * counter is written), splits the payload into the plugin's events and commits them, with their
 * outbox rows, before answering. Each event is unique per connection and idempotency key, so a
 * redelivery commits nothing and is answered 200 all the same. Concurrent deliveries share commits.
 */
@Injectable()
export class WebhookIngestService {
  private readonly log = new Logger(WebhookIngestService.name);
  private readonly committer = new GroupCommit<EventRow[], { accepted: number; duplicates: number }>((items) => this.write(items), { maxBatch: 256, concurrency: 4 });
  private readonly publicUrl: string;

  constructor(
    private readonly plugins: PluginRegistry,
    private readonly connections: WebhookConnectionResolver,
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
    @Inject(PLUGBOARD_CONFIG) config: PlugboardConfig,
  ) {
    this.publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');
  }

  async receive(d: InboundDelivery): Promise<IngestOutcome> {
    const plugin = this.plugins.get(d.plugin);
    if (!plugin?.webhooks) return { status: 404, detail: `no plugin ${d.plugin} receives webhooks` };
    const hooks = plugin.webhooks;
    const payload = decodeBody(d.body, d.headers['content-type']);
    const target = targetOf(hooks, d, payload);
    const candidates = target ? await this.connections.resolve(plugin, target) : [];
    if (candidates.length === 0) return UNVERIFIED;

    // the platform signed the URL it was given: PUBLIC_URL and the path, not whatever a proxy made of the host
    const request = { method: d.method, url: `${this.publicUrl}${d.path}`, headers: d.headers, body: d.body };
    const verdicts = candidates.map((c): { c: ResolvedConnection; v: Verdict } => ({ c, v: c.secret ? verifyWebhook(hooks.scheme, c.secret, request) : { ok: false, reason: 'no_secret' } }));
    const verified = verdicts.filter((x) => x.v.ok);
    if (verified.length === 0) {
      await this.countRejections(plugin.name, verdicts);
      return UNVERIFIED;
    }
    const handshake = hooks.handshake?.(payload);
    if (handshake) return { status: 200, reply: handshake.body };
    const deliveryId = (verified[0].v as Extract<WebhookVerification, { ok: true }>).id;
    const rows = verified.flatMap(({ c }) => this.rows(plugin, c, payload, d, deliveryId));
    if (rows.length === 0) return { status: 200, accepted: 0, duplicates: 0 };
    const result = await this.committer.submit(rows);
    if (result.accepted > 0) this.relay.kick();
    return { status: 200, ...result };
  }

  /** The plugin's events of a delivery, keyed for idempotency; a payload the plugin cannot parse becomes one event to retry. */
  private rows(plugin: PluginDefinition, c: ResolvedConnection, payload: unknown, d: InboundDelivery, deliveryId: string | null): EventRow[] {
    let events: ParsedWebhookEvent[];
    let unparsed = false;
    try {
      events = plugin.webhooks!.parse(payload, d.headers);
    } catch {
      events = [{ id: null, type: UNPARSED_TYPE, occurredAt: null, data: payload }];
      unparsed = true;
    }
    const bodyKey = deliveryId ? `delivery:${deliveryId}` : `sha256:${createHash('sha256').update(d.body).digest('hex')}`;
    return events.map((e, i) => ({
      tenantId: c.tenantId,
      connectionId: c.id,
      plugin: plugin.name,
      dedupeKey: e.id ? `id:${e.id}` : events.length > 1 ? `${bodyKey}:${i}` : bodyKey,
      externalId: e.id,
      type: `${plugin.name}.${e.type}`,
      entity: e.entity ?? null,
      externalIds: (e.externalIds ?? []).map(String),
      occurredAt: e.occurredAt && !Number.isNaN(e.occurredAt.getTime()) ? e.occurredAt : null,
      payload: e.data ?? null,
      rawBody: unparsed ? d.body.toString('utf8') : null,
      rawHeaders: unparsed ? d.headers : null,
    }));
  }

  /** One statement for a whole batch of requests: the events, and an outbox row for each one that is new. */
  private async write(items: EventRow[][]): Promise<{ accepted: number; duplicates: number }[]> {
    const seen = new Set<string>();
    const rows = items.flat().filter((r) => {
      const k = `${r.connectionId}|${r.dedupeKey}`;
      return !seen.has(k) && !!seen.add(k);
    });
    const inserted: { connection_id: string; dedupe_key: string }[] = await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::timestamptz[], $10::jsonb[], $11::text[], $12::jsonb[])
           AS t(tenant_id, connection_id, plugin, dedupe_key, external_id, type, entity, external_ids, occurred_at, payload, raw_body, raw_headers)
       ), ins AS (
         INSERT INTO webhook_events (tenant_id, connection_id, plugin, dedupe_key, external_id, type, entity, external_ids, occurred_at, payload, raw_body, raw_headers)
         SELECT * FROM input
         ON CONFLICT (connection_id, dedupe_key) DO NOTHING
         RETURNING id, tenant_id, connection_id, dedupe_key
       ), queued AS (
         INSERT INTO webhook_outbox (tenant_id, kind, ref_id) SELECT tenant_id, 'event', id::text FROM ins
       )
       SELECT connection_id, dedupe_key FROM ins`,
      [
        rows.map((r) => r.tenantId), rows.map((r) => r.connectionId), rows.map((r) => r.plugin), rows.map((r) => r.dedupeKey),
        rows.map((r) => r.externalId), rows.map((r) => r.type), rows.map((r) => r.entity), rows.map((r) => JSON.stringify(r.externalIds)),
        rows.map((r) => r.occurredAt), rows.map((r) => JSON.stringify(r.payload)), rows.map((r) => r.rawBody), rows.map((r) => (r.rawHeaders ? JSON.stringify(r.rawHeaders) : null)),
      ],
    );
    // a key new in this batch counts as accepted for the first request that brought it, a duplicate for the others
    const fresh = new Set(inserted.map((r) => `${r.connection_id}|${r.dedupe_key}`));
    return items.map((list) => {
      const accepted = list.filter((r) => fresh.delete(`${r.connectionId}|${r.dedupeKey}`)).length;
      return { accepted, duplicates: list.length - accepted };
    });
  }

  /** All that is kept of a refused delivery: a count per connection and reason. */
  private async countRejections(plugin: string, verdicts: { c: ResolvedConnection; v: Verdict }[]): Promise<void> {
    const refused = verdicts.flatMap(({ c, v }) => (v.ok ? [] : [{ c, reason: v.reason }]));
    try {
      await this.dataSource.query(
        `INSERT INTO webhook_rejections (tenant_id, connection_id, plugin, reason, count)
         SELECT tenant_id, connection_id, $3, reason, 1 FROM unnest($1::uuid[], $2::uuid[], $4::text[]) AS t(tenant_id, connection_id, reason)
         ON CONFLICT (connection_id, reason) DO UPDATE SET count = webhook_rejections.count + 1, last_at = now()`,
        [refused.map((x) => x.c.tenantId), refused.map((x) => x.c.id), plugin, refused.map((x) => x.reason)],
      );
    } catch (e) {
      // the 401 stands whether or not the counter could be written
      this.log.warn(`could not count a refused ${plugin} delivery: ${(e as Error).message}`);
    }
  }
}

function targetOf(hooks: WebhookDefinition, d: InboundDelivery, payload: unknown): WebhookTarget | null {
  if (d.connectionId !== undefined) return UUID.test(d.connectionId) ? { connectionId: d.connectionId.toLowerCase() } : null;
  if (!hooks.routingKey) return null;
  try {
    const value = hooks.routingKey(payload, d.headers);
    return value ? { routingValue: value } : null;
  } catch {
    return null;
  }
}

/** JSON and form bodies as the plugin reads them; anything else as text. */
export function decodeBody(body: Buffer, contentType = ''): unknown {
  const text = body.toString('utf8');
  const type = contentType.toLowerCase();
  if (type.includes('json') || (!type && /^\s*[[{]/.test(text))) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return text;
}
