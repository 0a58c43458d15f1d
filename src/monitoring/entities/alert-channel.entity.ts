import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';
import type { AlertType, Severity } from '../alerts/alert-types';

export const CHANNEL_TYPES = ['email', 'slack', 'webhook', 'in_app', 'sms'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** A channel's shown settings: addresses, a URL, a connection id, phone numbers. */
export type ChannelConfig = Record<string, string | string[]>;

/**
 * Where a tenant's alerts go, and which: those of at least `minSeverity` and of `types` (all when
 * null). Secrets (a Slack webhook URL, a signing secret) live in the vault; `config` holds the rest.
 */
@Entity('alert_channels')
export class AlertChannel extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  type: ChannelType;

  @Column('jsonb')
  config: ChannelConfig;

  @Column('uuid', { name: 'vault_entry_id', nullable: true })
  vaultEntryId: string | null;

  @Column('text', { name: 'min_severity' })
  minSeverity: Severity;

  @Column('text', { array: true, nullable: true })
  types: AlertType[] | null;

  @Column('boolean')
  enabled: boolean;

  /** at most this many notifications an hour; the rest are recorded as suppressed */
  @Column('integer', { name: 'rate_limit_per_hour' })
  rateLimitPerHour: number;

  /** after notifying of a condition, a new incident of the same condition within this many minutes is not sent again (flapping) */
  @Column('integer', { name: 'quiet_period_minutes' })
  quietPeriodMinutes: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** `message`: not an alert, a one-off message (a workflow's notify step) */
export type NotificationKind = 'fired' | 'resolved' | 'test' | 'message';
export type NotificationStatus = 'pending' | 'sent' | 'failed' | 'suppressed';

/** One message to one channel; the in-app channel's inbox is the list of these. */
@Entity('alert_notifications')
export class AlertNotification extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'channel_id' })
  channelId: string;

  @Column('uuid', { name: 'alert_id', nullable: true })
  alertId: string | null;

  @Column('text', { nullable: true })
  fingerprint: string | null;

  @Column('text')
  kind: NotificationKind;

  @Column('text')
  status: NotificationStatus;

  /** why it was suppressed or failed */
  @Column('text', { nullable: true })
  reason: string | null;

  @Column('text')
  subject: string;

  @Column('text')
  body: string;

  @Column('integer')
  attempts: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt: Date | null;
}
