import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';
import type { AlertStatus, AlertType, Severity } from '../alerts/alert-types';

/**
 * An alert and the incident it opened: one per condition (its fingerprint: type, tenant, connection
 * or subject) while unresolved, however often the condition is seen again.
 */
@Entity('alerts')
export class Alert extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  type: AlertType;

  @Column('text')
  severity: Severity;

  @Column('text')
  fingerprint: string;

  @Column('uuid', { name: 'connection_id', nullable: true })
  connectionId: string | null;

  @Column('text', { nullable: true })
  plugin: string | null;

  /** what the alert is about when it is not a connection (a queue, the subscription) */
  @Column('text', { nullable: true })
  subject: string | null;

  @Column('text')
  title: string;

  @Column('text', { nullable: true })
  detail: string | null;

  @Column('jsonb')
  data: Record<string, unknown>;

  @Column('text')
  status: AlertStatus;

  /** how many times the condition was seen while the incident stayed open */
  @Column('integer')
  occurrences: number;

  @Column('timestamptz', { name: 'opened_at' })
  openedAt: Date;

  @Column('timestamptz', { name: 'last_seen_at' })
  lastSeenAt: Date;

  @Column('timestamptz', { name: 'acknowledged_at', nullable: true })
  acknowledgedAt: Date | null;

  @Column('text', { name: 'acknowledged_by', nullable: true })
  acknowledgedBy: string | null;

  @Column('timestamptz', { name: 'resolved_at', nullable: true })
  resolvedAt: Date | null;

  @Column('text', { name: 'resolved_by', nullable: true })
  resolvedBy: string | null;

  /** auto: the condition cleared; manual: someone resolved it */
  @Column('text', { nullable: true })
  resolution: 'auto' | 'manual' | null;
}

export type AlertEventKind = 'opened' | 'acknowledged' | 'resolved' | 'notified' | 'notification_failed' | 'suppressed';

/** One line of an incident's timeline. */
@Entity('alert_events')
export class AlertEvent extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'alert_id' })
  alertId: string;

  @Column('timestamptz')
  at: Date;

  @Column('text')
  kind: AlertEventKind;

  @Column('text')
  message: string;

  @Column('uuid', { name: 'channel_id', nullable: true })
  channelId: string | null;
}
