import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A tenant's URL for Plugboard's own events; its signing secret lives in the vault. */
@Entity('webhook_endpoints')
export class WebhookEndpoint extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  url: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text', { name: 'event_types', array: true })
  eventTypes: string[];

  @Column('uuid', { name: 'secret_vault_entry_id' })
  secretVaultEntryId: string;

  @Column('text')
  status: 'enabled' | 'disabled';

  @Column('text', { name: 'disabled_reason', nullable: true })
  disabledReason: string | null;

  @Column('int', { name: 'rate_limit_per_second', nullable: true })
  rateLimitPerSecond: number | null;

  /** since when every attempt failed; cleared by a success */
  @Column('timestamptz', { name: 'failing_since', nullable: true })
  failingSince: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

/** One event for one endpoint: the same `webhook-id` (message id) on every attempt. */
@Entity('webhook_deliveries')
export class WebhookDelivery extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'endpoint_id' })
  endpointId: string;

  @Column('text', { name: 'message_id' })
  messageId: string;

  @Column('text', { name: 'event_type' })
  eventType: string;

  @Column('jsonb')
  payload: Record<string, unknown>;

  @Column('text')
  status: DeliveryStatus;

  @Column('int')
  attempts: number;

  @Column('int', { name: 'schedule_base' })
  scheduleBase: number;

  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @Column('timestamptz', { name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  @Column('int', { name: 'last_status_code', nullable: true })
  lastStatusCode: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;
}

/** One HTTP attempt of a delivery, as the receiver answered it. */
@Entity('webhook_delivery_attempts')
export class WebhookDeliveryAttempt extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'delivery_id' })
  deliveryId: string;

  @Column('int')
  attempt: number;

  @Column('int', { name: 'status_code', nullable: true })
  statusCode: number | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('int', { name: 'duration_ms' })
  durationMs: number;

  @Column('text', { name: 'response_body', nullable: true })
  responseBody: string | null;

  @Column('timestamptz')
  at: Date;
}
