import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource, In, type EntityManager } from 'typeorm';
import { Branding } from '../../billing';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { TenantJobs } from '../../core/queue';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { alertPayload } from '../alerts/alert-view';
import { severityRank } from '../alerts/alert-types';
import { AlertChannel, AlertNotification } from '../entities/alert-channel.entity';
import { Alert, AlertEvent, type AlertEventKind } from '../entities/alert.entity';
import { MONITORING_QUEUE, NOTIFY_JOB } from '../monitoring.constants';
import { ChannelSenders, type OutgoingMessage } from './channel-senders';

/** The opening notification of a resolution has not been sent yet: the job retries later. */
class OpeningPending extends Error {}

export interface NotifyJobData {
  notificationId: string;
}

/**
 * Routes incidents to channels and delivers them. When an incident opens, each channel that takes
 * its severity and type gets a notification row, decided at once under a lock of the channel (so
 * every process agrees): pending, or suppressed by the channel's quiet period or hourly rate limit.
 * Pending ones are sent by the worker (a `notify` job each, retried with backoff). A resolution is
 * sent to the channels that were sent (or are being sent) the opening, after it.
 */
@Injectable()
export class Notifier {
  private readonly log = new Logger('Monitoring');

  constructor(
    private readonly db: TenantDb,
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly jobs: TenantJobs,
    private readonly senders: ChannelSenders,
    private readonly branding: Branding,
    @InjectQueue(MONITORING_QUEUE) private readonly queue: Queue,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  async opened(alert: Alert): Promise<void> {
    const channels = (await this.db.repo(AlertChannel).find({ enabled: true })).filter(
      (c) => severityRank(alert.severity) >= severityRank(c.minSeverity) && (!c.types?.length || c.types.includes(alert.type)),
    );
    if (channels.length === 0) return;
    const message = await this.compose(alert, 'fired');
    for (const channel of channels) await this.enqueue(await this.decide(channel, alert, 'fired', message));
  }

  async resolved(alert: Alert): Promise<void> {
    const openings = (await this.db.repo(AlertNotification).find({ alertId: alert.id, kind: 'fired' })).filter((n) => n.status === 'sent' || n.status === 'pending');
    if (openings.length === 0) return;
    const channels = await this.db.repo(AlertChannel).find({ id: In(openings.map((n) => n.channelId)) });
    const message = await this.compose(alert, 'resolved');
    for (const opening of openings) {
      const channel = channels.find((c) => c.id === opening.channelId);
      if (channel) await this.enqueue(await this.decide(channel, alert, 'resolved', message));
    }
  }

  /** Sends one pending notification; throws (for the queue to retry) unless this is the last attempt. */
  async deliver(notificationId: string, lastAttempt: boolean): Promise<AlertNotification['status'] | 'gone'> {
    const n = await this.db.repo(AlertNotification).findOne({ id: notificationId });
    const channel = n && (await this.db.repo(AlertChannel).findOne({ id: n.channelId }));
    const alert = n?.alertId ? await this.db.repo(Alert).findOne({ id: n.alertId }) : null;
    if (!n || !channel || !alert) return 'gone';
    if (n.status !== 'pending') return n.status;
    try {
      if (n.kind === 'resolved') {
        const opening = await this.db.repo(AlertNotification).findOne({ alertId: alert.id, channelId: channel.id, kind: 'fired' });
        if (opening?.status === 'pending') throw new OpeningPending(`the opening notification to ${channel.name} is not sent yet`);
        if (opening?.status !== 'sent') return this.finish(n, alert, 'suppressed', 'the opening notification was not delivered');
      }
      await this.senders.send(channel, { id: n.id, kind: n.kind, subject: n.subject, body: n.body, alert: alertPayload(alert) });
      return this.finish(n, alert, 'sent', null, `${n.kind === 'resolved' ? 'resolution' : 'alert'} sent to ${channel.type} channel "${channel.name}"`);
    } catch (e) {
      const reason = (e as Error).message;
      if (!lastAttempt) {
        await this.db.repo(AlertNotification).update({ id: n.id }, { attempts: n.attempts + 1, reason });
        throw e;
      }
      return this.finish(n, alert, 'failed', reason, `sending to ${channel.type} channel "${channel.name}" failed: ${reason}`);
    }
  }

  /** A test message through a channel, now; records it like any notification. */
  async test(channel: AlertChannel): Promise<{ ok: boolean; detail: string | null; notificationId: string }> {
    const subject = `[${await this.branding.nameOf(this.context.tenantId)}] TEST: channel "${channel.name}" works`;
    const body = `This is a test of the ${channel.type} alert channel "${channel.name}", sent from ${this.config.PUBLIC_URL}.`;
    const n = await this.db.repo(AlertNotification).insert({ channelId: channel.id, alertId: null, fingerprint: null, kind: 'test', status: 'pending', reason: null, subject, body, attempts: 1, sentAt: null, readAt: null });
    try {
      await this.senders.send(channel, { id: n.id, kind: 'test', subject, body, alert: null });
      await this.db.repo(AlertNotification).update({ id: n.id }, { status: 'sent', sentAt: new Date() });
      return { ok: true, detail: null, notificationId: n.id };
    } catch (e) {
      await this.db.repo(AlertNotification).update({ id: n.id }, { status: 'failed', reason: (e as Error).message });
      return { ok: false, detail: (e as Error).message, notificationId: n.id };
    }
  }

  /**
   * The notification of one alert for one channel, created once: suppressed by the quiet period (an
   * incident of the same condition was sent lately) or the hourly rate limit, else pending. In-app
   * channels are delivered by this row alone.
   */
  private async decide(channel: AlertChannel, alert: Alert, kind: 'fired' | 'resolved', message: { subject: string; body: string }): Promise<AlertNotification> {
    const decided = await this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`plugboard.alert-channel:${channel.id}`]);
      const repo = this.db.repo(AlertNotification, m);
      const existing = await repo.findOne({ alertId: alert.id, channelId: channel.id, kind });
      if (existing) return { row: existing, fresh: false };
      let reason: string | null = null;
      if (kind === 'fired') reason = (await this.quiet(m, channel, alert)) ?? (await this.limited(m, channel));
      const status = reason ? 'suppressed' : channel.type === 'in_app' ? 'sent' : 'pending';
      const row = await repo.insert({
        channelId: channel.id, alertId: alert.id, fingerprint: alert.fingerprint, kind, status, reason, subject: message.subject, body: message.body,
        attempts: 0, sentAt: status === 'sent' ? new Date() : null, readAt: null,
      });
      return { row, fresh: true };
    });
    if (decided.fresh && decided.row.status === 'suppressed') await this.timeline(alert, 'suppressed', `not sent to ${channel.type} channel "${channel.name}": ${decided.row.reason}`, channel.id);
    if (decided.fresh && channel.type === 'in_app' && decided.row.status === 'sent') await this.timeline(alert, 'notified', `${kind === 'resolved' ? 'resolution' : 'alert'} posted to in-app channel "${channel.name}"`, channel.id);
    return decided.row;
  }

  private async quiet(m: EntityManager, channel: AlertChannel, alert: Alert): Promise<string | null> {
    if (channel.quietPeriodMinutes <= 0) return null;
    const [hit] = await m.query(
      `SELECT 1 FROM alert_notifications WHERE tenant_id = $1 AND channel_id = $2 AND fingerprint = $3 AND kind = 'fired' AND status IN ('pending','sent')
         AND alert_id <> $4 AND created_at > now() - make_interval(mins => $5) LIMIT 1`,
      [this.context.tenantId, channel.id, alert.fingerprint, alert.id, channel.quietPeriodMinutes],
    );
    return hit ? `quiet period: the same condition was notified less than ${channel.quietPeriodMinutes} minutes ago` : null;
  }

  private async limited(m: EntityManager, channel: AlertChannel): Promise<string | null> {
    const [{ n }] = await m.query(
      `SELECT count(*)::int AS n FROM alert_notifications WHERE tenant_id = $1 AND channel_id = $2 AND kind = 'fired' AND status IN ('pending','sent') AND created_at > now() - interval '1 hour'`,
      [this.context.tenantId, channel.id],
    );
    return n >= channel.rateLimitPerHour ? `rate limit: ${channel.rateLimitPerHour} alerts an hour already sent` : null;
  }

  private async enqueue(n: AlertNotification): Promise<void> {
    if (n.status !== 'pending') return;
    await this.jobs.enqueue(this.queue, NOTIFY_JOB, { notificationId: n.id } satisfies NotifyJobData, {
      jobId: `notify:${n.id}`, attempts: 6, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 500,
    });
  }

  private async finish(n: AlertNotification, alert: Alert, status: 'sent' | 'failed' | 'suppressed', reason: string | null, line?: string): Promise<AlertNotification['status']> {
    await this.db.repo(AlertNotification).update({ id: n.id }, { status, reason, attempts: n.attempts + 1, sentAt: status === 'sent' ? new Date() : null });
    if (line) await this.timeline(alert, status === 'sent' ? 'notified' : 'notification_failed', line, n.channelId);
    if (status === 'failed') this.log.warn(`alert ${alert.id}: ${line}`);
    return status;
  }

  private async timeline(alert: Alert, kind: AlertEventKind, message: string, channelId: string | null): Promise<void> {
    await this.db.repo(AlertEvent).insert({ alertId: alert.id, kind, message, channelId, at: new Date() });
  }

  /** The same for every channel of the alert: composed once. */
  private async compose(alert: Alert, kind: 'fired' | 'resolved'): Promise<{ subject: string; body: string }> {
    const brand = await this.branding.nameOf(this.context.tenantId);
    const label = kind === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
    const lines = [
      alert.title,
      alert.detail,
      `type ${alert.type}, severity ${alert.severity}${alert.plugin ? `, plugin ${alert.plugin}` : ''}${alert.connectionId ? `, connection ${alert.connectionId}` : ''}`,
      `opened ${alert.openedAt.toISOString()}`,
      kind === 'resolved' && alert.resolvedAt
        ? `resolved ${alert.resolvedAt.toISOString()} (${alert.resolution === 'auto' ? 'the condition cleared' : `by ${alert.resolvedBy ?? 'someone'}`})`
        : null,
      `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/api/v1/alerts/${alert.id}`,
    ];
    return { subject: `[${brand}] ${label} ${alert.type}: ${alert.title}`, body: lines.filter((l): l is string => !!l).join('\n') };
  }
}
