import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Branding } from '../../billing';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { severityRank, type Severity } from '../alerts/alert-types';
import { AlertChannel, AlertNotification } from '../entities/alert-channel.entity';
import { ChannelSenders } from './channel-senders';

/** A message that is not an alert (a workflow's `notify` step), for the tenant's alert channels. */
export interface ChannelMessage {
  /** a channel's name or id; else every enabled channel that takes this severity */
  channel?: string;
  severity: Severity;
  title: string;
  message: string;
  /**
   * Names the message once (for example execution and step): a retry sends it again only to the
   * channels that did not get it.
   */
  key: string;
  source: Record<string, string>;
}

export interface ChannelMessageResult {
  sent: number;
  channels: { name: string; type: string; status: 'sent' | 'failed' | 'suppressed'; reason: string | null }[];
}

/** No channel is there to take the message (none named so, or none of that severity): retrying will not help. */
export class NoChannelError extends Error {}

/**
 * Sends one-off messages through the tenant's alert channels, now: routed by name or severity (not
 * by alert type: a message is not an alert), within each channel's hourly limit, kept in the
 * channel's notification log (the in-app channel's inbox) as kind `message`.
 */
@Injectable()
export class ChannelMessenger {
  constructor(
    private readonly db: TenantDb,
    private readonly senders: ChannelSenders,
    private readonly branding: Branding,
    private readonly context: RequestContext,
  ) {}

  async send(m: ChannelMessage): Promise<ChannelMessageResult> {
    const enabled = await this.db.repo(AlertChannel).find({ enabled: true });
    const channels = m.channel
      ? enabled.filter((c) => c.name === m.channel || c.id === m.channel)
      : enabled.filter((c) => severityRank(m.severity) >= severityRank(c.minSeverity));
    if (channels.length === 0) {
      throw new NoChannelError(m.channel ? `no enabled alert channel is named ${m.channel}` : `no enabled alert channel takes ${m.severity} messages`);
    }
    const earlier = await this.db.repo(AlertNotification).find({ fingerprint: m.key, kind: 'message', channelId: In(channels.map((c) => c.id)) });
    const subject = `[${await this.branding.nameOf(this.context.tenantId)}] ${m.title}`;
    const result: ChannelMessageResult = { sent: 0, channels: [] };
    for (const channel of channels) {
      const before = earlier.find((n) => n.channelId === channel.id);
      const outcome = before && before.status !== 'failed' ? { status: before.status as 'sent' | 'suppressed', reason: before.reason } : await this.deliver(channel, m, subject, before);
      if (outcome.status === 'sent') result.sent++;
      result.channels.push({ name: channel.name, type: channel.type, ...outcome });
    }
    const failed = result.channels.filter((c) => c.status === 'failed');
    // all-or-something: when every channel that could take it failed, the caller's retry policy decides
    if (failed.length > 0 && failed.length === result.channels.filter((c) => c.status !== 'suppressed').length) {
      throw new Error(`the message could not be sent: ${failed.map((c) => `${c.name}: ${c.reason}`).join('; ')}`);
    }
    return result;
  }

  private async deliver(channel: AlertChannel, m: ChannelMessage, subject: string, failedBefore: AlertNotification | undefined): Promise<{ status: 'sent' | 'failed' | 'suppressed'; reason: string | null }> {
    const repo = this.db.repo(AlertNotification);
    const row = failedBefore ?? (await repo.insert({
      channelId: channel.id, alertId: null, fingerprint: m.key, kind: 'message', status: 'pending', reason: null, subject, body: m.message,
      attempts: 0, sentAt: null, readAt: null,
    }));
    if (!failedBefore && (await this.thisHour(channel)) > channel.rateLimitPerHour) {
      const reason = `rate limit: ${channel.rateLimitPerHour} messages an hour already sent`;
      await repo.update({ id: row.id }, { status: 'suppressed', reason });
      return { status: 'suppressed', reason };
    }
    try {
      await this.senders.send(channel, { id: row.id, kind: 'message', subject, body: m.message, alert: null, source: m.source });
      await repo.update({ id: row.id }, { status: 'sent', reason: null, attempts: row.attempts + 1, sentAt: new Date() });
      return { status: 'sent', reason: null };
    } catch (e) {
      const reason = (e as Error).message;
      await repo.update({ id: row.id }, { status: 'failed', reason, attempts: row.attempts + 1 });
      return { status: 'failed', reason };
    }
  }

  /** this hour's messages to the channel, the one being sent included */
  private thisHour(channel: AlertChannel): Promise<number> {
    return this.db.repo(AlertNotification).query('n')
      .andWhere(`n.channel_id = :channel AND n.kind = 'message' AND n.status IN ('pending','sent') AND n.created_at > now() - interval '1 hour'`, { channel: channel.id })
      .getCount();
  }
}
