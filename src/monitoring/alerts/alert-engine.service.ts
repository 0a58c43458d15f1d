import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventBus } from '../../core/events';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { Notifier } from '../channels/notifier.service';
import { AlertNotification } from '../entities/alert-channel.entity';
import { Alert, AlertEvent, type AlertEventKind } from '../entities/alert.entity';
import { MetricsService } from '../metrics/metrics.service';
import { ALERT_FIRED_EVENT, ALERT_RESOLVED_EVENT } from '../monitoring.constants';
import { AlertRulesService } from './alert-rules.service';
import type { AlertStatus, AlertType, Severity } from './alert-types';
import { alertPayload, toAlertView, type AlertDetailView, type AlertView } from './alert-view';

/** A condition that holds now: raising it opens an incident, or counts as one more sighting of the open one. */
export interface Condition {
  type: AlertType;
  connectionId?: string | null;
  plugin?: string | null;
  /** what it is about when not a connection: a queue, the subscription */
  subject?: string | null;
  title: string;
  detail?: string | null;
  data?: Record<string, unknown>;
}

export interface AlertQuery {
  status?: AlertStatus;
  type?: AlertType;
  severity?: Severity;
  connectionId?: string;
  limit: number;
  cursor?: string;
}

/** The condition's identity: one unresolved incident per type, tenant and connection (or subject). */
export function fingerprintOf(type: AlertType, tenantId: string, key: string | null | undefined): string {
  return `${type}:${tenantId}:${key ?? '*'}`;
}

/**
 * Opens, deduplicates and resolves incidents of the current tenant. An alert row is the incident:
 * a partial unique index keeps one unresolved row per fingerprint, so a condition seen again (by the
 * next check, or by another process at the same moment) only counts an occurrence. Opening emits
 * `alert.fired` and notifies the channels; resolving (the condition cleared, or a person) emits
 * `alert.resolved` and tells the channels that heard of it.
 */
@Injectable()
export class AlertEngine {
  constructor(
    private readonly db: TenantDb,
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly rules: AlertRulesService,
    private readonly notifier: Notifier,
    private readonly events: EventBus,
    private readonly metrics: MetricsService,
  ) {}

  /** Returns the incident, and whether this call opened it; null when the tenant switched the rule off. */
  async raise(c: Condition): Promise<{ alert: Alert; opened: boolean } | null> {
    const rule = await this.rules.get(c.type);
    if (!rule.enabled) return null;
    const tenantId = this.context.tenantId;
    const [row] = await this.dataSource.query(
      `INSERT INTO alerts (tenant_id, type, severity, fingerprint, connection_id, plugin, subject, title, detail, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, fingerprint) WHERE status <> 'resolved'
       DO UPDATE SET last_seen_at = now(), occurrences = alerts.occurrences + 1, detail = EXCLUDED.detail
       RETURNING id, (xmax = 0) AS opened`,
      [tenantId, c.type, rule.severity, fingerprintOf(c.type, tenantId, c.connectionId ?? c.subject), c.connectionId ?? null, c.plugin ?? null, c.subject ?? null, c.title, c.detail ?? null, c.data ?? {}],
    );
    const alert = (await this.db.repo(Alert).findOne({ id: row.id }))!;
    if (row.opened) {
      await this.timeline(alert.id, 'opened', c.detail ? `${c.title}: ${c.detail}` : c.title);
      this.metrics.alertFired(alert.type, alert.severity);
      this.events.emit(ALERT_FIRED_EVENT, tenantId, alertPayload(alert));
      await this.notifier.opened(alert);
    }
    return { alert, opened: row.opened };
  }

  /** The condition cleared: resolves its incident (if one is open) and says so. */
  async clear(type: AlertType, key: string | null, reason: string): Promise<Alert | null> {
    const tenantId = this.context.tenantId;
    return this.resolveWhere(`fingerprint = $2`, [tenantId, fingerprintOf(type, tenantId, key)], 'monitoring', 'auto', `resolved: ${reason}`);
  }

  /** Resolves every unresolved incident of a connection (it was deleted). */
  async clearConnection(connectionId: string, reason: string): Promise<number> {
    const open = await this.db.repo(Alert).query('a').andWhere('a.connection_id = :c', { c: connectionId }).andWhere(`a.status <> 'resolved'`).getMany();
    for (const a of open) await this.resolveWhere(`id = $2`, [this.context.tenantId, a.id], 'monitoring', 'auto', `resolved: ${reason}`);
    return open.length;
  }

  /** Which of the given types have an unresolved incident, by fingerprint (to clear only those). */
  async unresolvedFingerprints(types: readonly AlertType[]): Promise<Set<string>> {
    const rows = await this.db.repo(Alert).query('a').select('a.fingerprint', 'fingerprint').andWhere('a.type IN (:...types)', { types }).andWhere(`a.status <> 'resolved'`).getRawMany<{ fingerprint: string }>();
    return new Set(rows.map((r) => r.fingerprint));
  }

  async acknowledge(id: string, note?: string): Promise<AlertView> {
    const alert = await this.find(id);
    const actor = this.actor();
    const [rows] = await this.dataSource.query(
      `UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'open' RETURNING id`,
      [this.context.tenantId, id, actor],
    );
    if (!rows.length) throw new ConflictException(`alert ${id} is ${alert.status}: only an open alert can be acknowledged`);
    await this.timeline(id, 'acknowledged', `acknowledged by ${actor}${note ? `: ${note}` : ''}`);
    return toAlertView((await this.db.repo(Alert).findOne({ id }))!);
  }

  async resolve(id: string, note?: string): Promise<AlertView> {
    await this.find(id);
    const actor = this.actor();
    const resolved = await this.resolveWhere(`id = $2`, [this.context.tenantId, id], actor, 'manual', `resolved by ${actor}${note ? `: ${note}` : ''}`);
    if (!resolved) throw new ConflictException(`alert ${id} is resolved already`);
    return toAlertView(resolved);
  }

  /** Newest first; the cursor is the last id of the previous page. */
  async list(q: AlertQuery): Promise<{ data: AlertView[]; nextCursor: string | null }> {
    const qb = this.db.repo(Alert).query('a');
    if (q.status) qb.andWhere('a.status = :status', { status: q.status });
    if (q.type) qb.andWhere('a.type = :type', { type: q.type });
    if (q.severity) qb.andWhere('a.severity = :severity', { severity: q.severity });
    if (q.connectionId) qb.andWhere('a.connection_id = :connectionId', { connectionId: q.connectionId });
    if (q.cursor) qb.andWhere('(a.opened_at, a.id) < (SELECT c.opened_at, c.id FROM alerts c WHERE c.id = :cursor AND c.tenant_id = :__tenantId)', { cursor: q.cursor });
    const rows = await qb.orderBy('a.opened_at', 'DESC').addOrderBy('a.id', 'DESC').take(q.limit + 1).getMany();
    const data = rows.slice(0, q.limit);
    return { data: data.map(toAlertView), nextCursor: rows.length > q.limit ? data[data.length - 1].id : null };
  }

  async get(id: string): Promise<AlertDetailView> {
    const alert = await this.find(id);
    const timeline = await this.db.repo(AlertEvent).find({ alertId: id }, { order: { at: 'ASC', id: 'ASC' } });
    const notifications = await this.db.repo(AlertNotification).find({ alertId: id }, { order: { createdAt: 'ASC' } });
    return {
      ...toAlertView(alert),
      timeline: timeline.map((t) => ({ at: t.at, kind: t.kind, message: t.message, channelId: t.channelId })),
      notifications: notifications.map((n) => ({ id: n.id, channelId: n.channelId, kind: n.kind, status: n.status, reason: n.reason, sentAt: n.sentAt })),
    };
  }

  private async resolveWhere(where: string, params: unknown[], by: string, resolution: 'auto' | 'manual', line: string): Promise<Alert | null> {
    const [rows] = await this.dataSource.query(
      `UPDATE alerts SET status = 'resolved', resolved_at = now(), resolved_by = $${params.length + 1}, resolution = $${params.length + 2}
       WHERE tenant_id = $1 AND ${where} AND status <> 'resolved' RETURNING id`,
      [...params, by, resolution],
    );
    if (!rows.length) return null;
    const alert = (await this.db.repo(Alert).findOne({ id: rows[0].id }))!;
    await this.timeline(alert.id, 'resolved', line);
    this.events.emit(ALERT_RESOLVED_EVENT, alert.tenantId, alertPayload(alert));
    await this.notifier.resolved(alert);
    return alert;
  }

  private async find(id: string): Promise<Alert> {
    const a = await this.db.repo(Alert).findOne({ id });
    if (!a) throw new NotFoundException(`no alert ${id}`);
    return a;
  }

  private actor(): string {
    const p = this.context.principal;
    return p ? `${p.kind}:${p.actorId}` : 'unknown';
  }

  private timeline(alertId: string, kind: AlertEventKind, message: string): Promise<unknown> {
    return this.db.repo(AlertEvent).insert({ alertId, kind, message, channelId: null, at: new Date() });
  }
}
