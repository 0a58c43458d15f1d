import type { Alert, AlertEvent } from '../entities/alert.entity';
import type { AlertNotification } from '../entities/alert-channel.entity';

export interface AlertView {
  id: string;
  type: Alert['type'];
  severity: Alert['severity'];
  status: Alert['status'];
  title: string;
  detail: string | null;
  connectionId: string | null;
  plugin: string | null;
  subject: string | null;
  data: Record<string, unknown>;
  occurrences: number;
  openedAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: Alert['resolution'];
}

export interface AlertDetailView extends AlertView {
  timeline: { at: Date; kind: AlertEvent['kind']; message: string; channelId: string | null }[];
  notifications: { id: string; channelId: string; kind: AlertNotification['kind']; status: AlertNotification['status']; reason: string | null; sentAt: Date | null }[];
}

export function toAlertView(a: Alert): AlertView {
  return {
    id: a.id, type: a.type, severity: a.severity, status: a.status, title: a.title, detail: a.detail, connectionId: a.connectionId,
    plugin: a.plugin, subject: a.subject, data: a.data, occurrences: a.occurrences, openedAt: a.openedAt, lastSeenAt: a.lastSeenAt,
    acknowledgedAt: a.acknowledgedAt, acknowledgedBy: a.acknowledgedBy, resolvedAt: a.resolvedAt, resolvedBy: a.resolvedBy, resolution: a.resolution,
  };
}

/** What the alert.fired and alert.resolved events and the webhook channel carry. */
export function alertPayload(a: Alert): Record<string, unknown> {
  return {
    alertId: a.id, type: a.type, severity: a.severity, status: a.status, title: a.title, detail: a.detail, connectionId: a.connectionId,
    plugin: a.plugin, subject: a.subject, openedAt: a.openedAt, resolvedAt: a.resolvedAt, resolution: a.resolution,
  };
}
