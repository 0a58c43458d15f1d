import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { request, type Agent } from 'undici';
import { Branding, PLUGBOARD_NAME } from '../../billing';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { VaultService } from '../../core/vault';
import { ConnectionAccess } from '../../integrations/connections';
import { AddressGuard } from '../../core/http';
import type { AlertChannel, NotificationKind } from '../entities/alert-channel.entity';

const TIMEOUT_MS = 10_000;

/** One message to send to one channel. */
export interface OutgoingMessage {
  /** the notification's id: the webhook channel's `webhook-id`, so a retried delivery keeps its id */
  id: string;
  kind: NotificationKind;
  subject: string;
  body: string;
  /** the alert, as the webhook channel sends it (null for a test or a message) */
  alert: Record<string, unknown> | null;
  /** what sent a message (a workflow's execution and step) */
  source?: Record<string, string>;
}

const WEBHOOK_TYPES: Record<NotificationKind, string> = { fired: 'alert.fired', resolved: 'alert.resolved', test: 'alert.test', message: 'message' };

export interface EmailConfig { to: string[] }
export interface WebhookConfig { url: string }
export interface SmsConfig { connectionId: string; to: string[]; action: string }

/**
 * Sends a message through a channel: e-mail over SMTP (nodemailer), a Slack incoming webhook, a
 * generic webhook signed per Standard Webhooks, or SMS through a plugin action (any plugin whose
 * action takes `{ to, body }`; the channel names the connection and the action). In-app messages
 * need no sending: the stored notification is the message.
 */
@Injectable()
export class ChannelSenders implements OnApplicationShutdown {
  /** the outbound webhooks' SSRF guard, with this setting's networks: chat and webhook URLs stay off the internal network */
  readonly targets: AddressGuard;
  private readonly http: Agent;
  private mailer?: Transporter;

  constructor(
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
    private readonly vault: VaultService,
    private readonly access: ConnectionAccess,
    private readonly branding: Branding,
  ) {
    this.targets = new AddressGuard(config.ALERT_CHANNELS_ALLOWED_NETWORKS);
    this.http = this.targets.agent(TIMEOUT_MS);
  }

  get emailConfigured(): boolean {
    return !!this.config.SMTP_URL;
  }

  async send(channel: AlertChannel, m: OutgoingMessage): Promise<void> {
    switch (channel.type) {
      case 'email':
        return this.email(channel, channel.config as unknown as EmailConfig, m);
      case 'slack':
        return this.slack(await this.secret(channel, 'webhookUrl'), m);
      case 'webhook':
        return this.webhook((channel.config as unknown as WebhookConfig).url, await this.secret(channel, 'secret'), m);
      case 'sms':
        return this.sms(channel.config as unknown as SmsConfig, m);
      case 'in_app':
        return;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.mailer?.close();
    await this.http.close();
  }

  private async email(channel: AlertChannel, config: EmailConfig, m: OutgoingMessage): Promise<void> {
    if (!this.config.SMTP_URL) throw new Error('e-mail is not configured: set SMTP_URL');
    this.mailer ??= createTransport(this.config.SMTP_URL);
    // a white-label tenant's mail comes from its product's name, at the operator's address
    const brand = await this.branding.nameOf(channel.tenantId);
    const address = /<([^>]+)>/.exec(this.config.ALERT_EMAIL_FROM)?.[1] ?? this.config.ALERT_EMAIL_FROM;
    const from = brand === PLUGBOARD_NAME ? this.config.ALERT_EMAIL_FROM : { name: `${brand} alerts`, address };
    await this.mailer.sendMail({ from, to: config.to, subject: m.subject, text: m.body });
  }

  private slack(webhookUrl: string, m: OutgoingMessage): Promise<void> {
    return this.post(webhookUrl, JSON.stringify({ text: `*${m.subject}*\n${m.body}` }), {});
  }

  private webhook(url: string, secret: string, m: OutgoingMessage): Promise<void> {
    const now = new Date();
    const payload = JSON.stringify({ type: WEBHOOK_TYPES[m.kind], timestamp: now.toISOString(), data: { subject: m.subject, body: m.body, alert: m.alert, ...(m.source ? { source: m.source } : {}) } });
    const signature = new Webhook(secret).sign(m.id, now, payload);
    return this.post(url, payload, { 'webhook-id': m.id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature });
  }

  /** Calls the channel's plugin action once per recipient, in the channel's tenant (the connection is one of its own). */
  private async sms(config: SmsConfig, m: OutgoingMessage): Promise<void> {
    const opened = await this.access.open(config.connectionId);
    const action = Object.hasOwn(opened.plugin.actions, config.action) ? opened.plugin.actions[config.action] : undefined;
    if (!action) throw new Error(`plugin ${opened.plugin.name} has no action ${config.action}`);
    // an alert's subject says it all; a message is its text
    const full = m.kind === 'message' ? `${m.subject}: ${m.body}` : m.subject;
    const text = full.length <= 1600 ? full : `${full.slice(0, 1599)}…`;
    for (const to of config.to) await action.run(opened.context, action.input.parse({ to, body: text }));
  }

  private async post(url: string, body: string, headers: Record<string, string>): Promise<void> {
    const problem = this.targets.urlProblem(url);
    if (problem) throw new Error(`the channel's URL ${problem}`);
    const res = await request(url, { method: 'POST', dispatcher: this.http, body, headers: { 'content-type': 'application/json', 'user-agent': 'Plugboard-Alerts/0.1', ...headers } });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`the receiver answered ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }

  private async secret(channel: AlertChannel, field: string): Promise<string> {
    if (!channel.vaultEntryId) throw new Error(`channel ${channel.id} has no stored ${field}`);
    const value = (await this.vault.get(channel.vaultEntryId))[field];
    if (!value) throw new Error(`channel ${channel.id} has no stored ${field}`);
    return value;
  }
}
