import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'processing', 'processed', 'failed', 'dead'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** One event a platform pushed, stored before the delivery was acknowledged; unique per connection and idempotency key. */
@Entity('webhook_events')
export class WebhookEvent extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  plugin: string;

  /** `id:<platform event id>`, `delivery:<delivery header id>` or `sha256:<body hash>` */
  @Column('text', { name: 'dedupe_key' })
  dedupeKey: string;

  @Column('text', { name: 'external_id', nullable: true })
  externalId: string | null;

  /** `<plugin>.<platform type>`, e.g. `stripe.invoice.paid` */
  @Column('text')
  type: string;

  @Column('text', { nullable: true })
  entity: string | null;

  @Column('jsonb', { name: 'external_ids' })
  externalIds: string[];

  @Column('timestamptz', { name: 'occurred_at', nullable: true })
  occurredAt: Date | null;

  @Column('jsonb', { nullable: true })
  payload: unknown;

  @Column('text', { name: 'raw_body', nullable: true })
  rawBody: string | null;

  @Column('jsonb', { name: 'raw_headers', nullable: true })
  rawHeaders: Record<string, string> | null;

  @Column('text')
  status: WebhookEventStatus;

  @Column('int')
  attempts: number;

  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @Column('timestamptz', { name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('jsonb', { nullable: true })
  outcome: Record<string, unknown> | null;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'processed_at', nullable: true })
  processedAt: Date | null;
}

/** One processing attempt of an event, with what it did or why it failed. */
@Entity('webhook_event_attempts')
export class WebhookEventAttempt extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'event_id' })
  eventId: string;

  @Column('int')
  attempt: number;

  @Column('boolean')
  ok: boolean;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('jsonb', { nullable: true })
  outcome: Record<string, unknown> | null;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;

  @Column('timestamptz', { name: 'finished_at' })
  finishedAt: Date;
}

/** How many deliveries to a connection were refused, by reason: all that is kept of them. */
@Entity('webhook_rejections')
export class WebhookRejection extends TenantOwnedEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @PrimaryColumn('text')
  reason: string;

  @Column('text')
  plugin: string;

  @Column('bigint')
  count: string;

  @Column('timestamptz', { name: 'first_at' })
  firstAt: Date;

  @Column('timestamptz', { name: 'last_at' })
  lastAt: Date;
}

/** A webhook registration Plugboard made at the platform for a connection, removed with it. */
@Entity('webhook_subscriptions')
export class WebhookSubscriptionRecord extends TenantOwnedEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  plugin: string;

  @Column('text', { name: 'external_id' })
  externalId: string;

  @Column('text')
  url: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}
