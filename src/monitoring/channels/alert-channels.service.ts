import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ValidationFailedException, type FieldError } from '../../core/http';
import { TenantDb } from '../../core/tenancy';
import { VaultService, type Secret } from '../../core/vault';
import { ConnectionAccess } from '../../integrations/connections';
import { AlertChannel, AlertNotification, type ChannelConfig, type ChannelType } from '../entities/alert-channel.entity';
import { ChannelSenders } from './channel-senders';
import type { CreateAlertChannelDto, UpdateAlertChannelDto } from './alert-channels.dto';
import { Notifier } from './notifier.service';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WHSEC = /^whsec_[A-Za-z0-9+/=]{32,}$/;

export interface AlertChannelView {
  id: string;
  name: string;
  type: ChannelType;
  /** secrets masked */
  config: ChannelConfig;
  minSeverity: AlertChannel['minSeverity'];
  types: AlertChannel['types'];
  enabled: boolean;
  rateLimitPerHour: number;
  quietPeriodMinutes: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface InAppNotificationView {
  id: string;
  channelId: string;
  alertId: string | null;
  kind: AlertNotification['kind'];
  subject: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
}

/** A channel's config split into what may be shown (kept in the row) and what is secret (kept in the vault). */
interface ParsedConfig {
  config: ChannelConfig;
  secret: Secret | null;
  /** a secret generated here, shown once */
  generated?: string;
}

/** The tenant's alert channels: CRUD with per-type validation, secrets in the vault, a test send. */
@Injectable()
export class AlertChannelsService {
  constructor(
    private readonly db: TenantDb,
    private readonly vault: VaultService,
    private readonly access: ConnectionAccess,
    private readonly senders: ChannelSenders,
    private readonly notifier: Notifier,
  ) {}

  async create(dto: CreateAlertChannelDto): Promise<AlertChannelView & { signingSecret?: string }> {
    const parsed = await this.parse(dto.type, dto.config, null);
    await this.assertNameFree(dto.name);
    const vaultEntryId = parsed.secret ? await this.vault.put(parsed.secret) : null;
    let row: AlertChannel;
    try {
      row = await this.db.repo(AlertChannel).insert({
        name: dto.name, type: dto.type, config: parsed.config, vaultEntryId, minSeverity: dto.minSeverity ?? 'warning', types: dto.types?.length ? dto.types : null,
        enabled: dto.enabled ?? true, rateLimitPerHour: dto.rateLimitPerHour ?? 20, quietPeriodMinutes: dto.quietPeriodMinutes ?? 30,
      });
    } catch (e) {
      if (vaultEntryId) await this.vault.delete(vaultEntryId);
      if ((e as { code?: string }).code === '23505') throw nameTaken(dto.name);
      throw e;
    }
    const view = await this.get(row.id);
    return parsed.generated ? { ...view, signingSecret: parsed.generated } : view;
  }

  async list(): Promise<AlertChannelView[]> {
    return (await this.db.repo(AlertChannel).find({}, { order: { createdAt: 'ASC' } })).map(view);
  }

  async get(id: string): Promise<AlertChannelView> {
    return view(await this.find(id));
  }

  async update(id: string, dto: UpdateAlertChannelDto): Promise<AlertChannelView & { signingSecret?: string }> {
    const channel = await this.find(id);
    if (dto.name !== undefined && dto.name !== channel.name) await this.assertNameFree(dto.name);
    const patch: Partial<AlertChannel> = {};
    for (const k of ['name', 'minSeverity', 'enabled', 'rateLimitPerHour', 'quietPeriodMinutes'] as const) if (dto[k] !== undefined) (patch as Record<string, unknown>)[k] = dto[k];
    if (dto.types !== undefined) patch.types = dto.types.length ? dto.types : null;
    let generated: string | undefined;
    if (dto.config !== undefined) {
      const kept = channel.vaultEntryId ? await this.vault.get(channel.vaultEntryId) : null;
      const parsed = await this.parse(channel.type, dto.config, kept);
      patch.config = parsed.config;
      generated = parsed.generated;
      if (parsed.secret && channel.vaultEntryId) await this.vault.replace(channel.vaultEntryId, parsed.secret);
      else if (parsed.secret) patch.vaultEntryId = await this.vault.put(parsed.secret);
    }
    if (Object.keys(patch).length) await this.db.repo(AlertChannel).update({ id }, patch);
    const v = await this.get(id);
    return generated ? { ...v, signingSecret: generated } : v;
  }

  async remove(id: string): Promise<void> {
    const channel = await this.find(id);
    await this.db.repo(AlertChannel).delete({ id });
    if (channel.vaultEntryId) await this.vault.delete(channel.vaultEntryId);
  }

  async test(id: string): Promise<{ ok: boolean; detail: string | null; notificationId: string }> {
    return this.notifier.test(await this.find(id));
  }

  /** The in-app inbox: what in-app channels received, newest first. */
  async inbox(q: { unread?: boolean; limit: number; cursor?: string }): Promise<{ data: InAppNotificationView[]; nextCursor: string | null }> {
    const qb = this.db.repo(AlertNotification).query('n')
      .innerJoin(AlertChannel, 'c', 'c.id = n.channel_id AND c.tenant_id = n.tenant_id')
      .andWhere(`c.type = 'in_app' AND n.status = 'sent'`);
    if (q.unread) qb.andWhere('n.read_at IS NULL');
    if (q.cursor) qb.andWhere('(n.created_at, n.id) < (SELECT x.created_at, x.id FROM alert_notifications x WHERE x.id = :cursor AND x.tenant_id = :__tenantId)', { cursor: q.cursor });
    const rows = await qb.orderBy('n.created_at', 'DESC').addOrderBy('n.id', 'DESC').take(q.limit + 1).getMany();
    const data = rows.slice(0, q.limit).map((n) => ({ id: n.id, channelId: n.channelId, alertId: n.alertId, kind: n.kind, subject: n.subject, body: n.body, createdAt: n.createdAt, readAt: n.readAt }));
    return { data, nextCursor: rows.length > q.limit ? data[data.length - 1].id : null };
  }

  async markRead(id: string): Promise<{ id: string; readAt: Date }> {
    const n = await this.db.repo(AlertNotification).findOne({ id });
    if (!n) throw new NotFoundException(`no notification ${id}`);
    const readAt = n.readAt ?? new Date();
    if (!n.readAt) await this.db.repo(AlertNotification).update({ id }, { readAt });
    return { id, readAt };
  }

  private async find(id: string): Promise<AlertChannel> {
    const c = await this.db.repo(AlertChannel).findOne({ id });
    if (!c) throw new NotFoundException(`no alert channel ${id}`);
    return c;
  }

  private async assertNameFree(name: string): Promise<void> {
    if (await this.db.repo(AlertChannel).count({ name })) throw nameTaken(name);
  }

  /** Checks a type's config, field by field, and splits off its secret. */
  private async parse(type: ChannelType, config: Record<string, unknown>, kept: Secret | null): Promise<ParsedConfig> {
    const errors: FieldError[] = [];
    const bad = (field: string, message: string) => errors.push({ field: `config.${field}`, message });
    const allowed: Record<ChannelType, string[]> = { email: ['to'], slack: ['webhookUrl'], webhook: ['url', 'secret'], in_app: [], sms: ['connectionId', 'to', 'action'] };
    for (const k of Object.keys(config)) if (!allowed[type].includes(k)) bad(k, `a ${type} channel takes no ${k}`);
    const list = (field: string, pattern: RegExp, what: string, max: number): string[] => {
      const v = config[field];
      if (!Array.isArray(v) || v.length === 0 || v.length > max || !v.every((x) => typeof x === 'string' && pattern.test(x))) {
        bad(field, `config.${field} must be a list of 1 to ${max} ${what}`);
        return [];
      }
      return v as string[];
    };
    let out: ParsedConfig = { config: {}, secret: null };
    switch (type) {
      case 'email': {
        if (!this.senders.emailConfigured) errors.push({ field: 'type', message: 'e-mail channels need the SMTP_URL setting, which this deployment lacks' });
        out = { config: { to: list('to', EMAIL, 'e-mail addresses', 20) }, secret: null };
        break;
      }
      case 'slack': {
        const url = config.webhookUrl ?? kept?.webhookUrl;
        const problem = typeof url === 'string' ? this.senders.targets.urlProblem(url) : 'is required';
        if (problem) bad('webhookUrl', `config.webhookUrl ${problem}`);
        out = { config: {}, secret: { webhookUrl: String(url) } };
        break;
      }
      case 'webhook': {
        const problem = typeof config.url === 'string' ? this.senders.targets.urlProblem(config.url) : 'is required';
        if (problem) bad('url', `config.url ${problem}`);
        const given = config.secret;
        if (given !== undefined && (typeof given !== 'string' || !WHSEC.test(given))) bad('secret', 'config.secret must be whsec_ followed by base64 of at least 24 bytes');
        const generated = given === undefined && !kept?.secret ? `whsec_${randomBytes(32).toString('base64')}` : undefined;
        out = { config: { url: String(config.url) }, secret: { secret: (given as string | undefined) ?? kept?.secret ?? generated! }, generated };
        break;
      }
      case 'in_app':
        break;
      case 'sms': {
        const to = list('to', E164, 'E.164 phone numbers', 5);
        const action = config.action ?? 'send_sms';
        if (typeof action !== 'string' || !/^[a-z][a-z0-9_]*$/.test(action)) bad('action', 'config.action must be an action name');
        if (typeof config.connectionId !== 'string' || !UUID.test(config.connectionId)) bad('connectionId', 'config.connectionId must be the id of one of your connections');
        else if (!errors.length) errors.push(...(await this.smsProblems(config.connectionId, String(action), to)));
        out = { config: { connectionId: String(config.connectionId), to, action: String(action) }, secret: null };
        break;
      }
    }
    if (errors.length) throw new ValidationFailedException(errors);
    return out;
  }

  /** The connection must be the tenant's, its plugin must have the action, and the action must take `{ to, body }`. */
  private async smsProblems(connectionId: string, action: string, to: string[]): Promise<FieldError[]> {
    let plugin;
    try {
      plugin = (await this.access.open(connectionId)).plugin;
    } catch (e) {
      return [{ field: 'config.connectionId', message: `config.connectionId: ${(e as Error).message}` }];
    }
    const def = Object.hasOwn(plugin.actions, action) ? plugin.actions[action] : undefined;
    if (!def) return [{ field: 'config.action', message: `plugin ${plugin.name} has no action ${action}` }];
    const refused = to.find((number) => !def.input.safeParse({ to: number, body: 'Plugboard alert' }).success);
    return refused ? [{ field: 'config.action', message: `${plugin.name}'s ${action} does not take { to: "${refused}", body } as its input` }] : [];
  }
}

function view(c: AlertChannel): AlertChannelView {
  const config = c.type === 'slack' ? { webhookUrl: '••••' } : c.type === 'webhook' ? { ...c.config, secret: '••••' } : c.config;
  return {
    id: c.id, name: c.name, type: c.type, config, minSeverity: c.minSeverity, types: c.types, enabled: c.enabled,
    rateLimitPerHour: c.rateLimitPerHour, quietPeriodMinutes: c.quietPeriodMinutes, createdAt: c.createdAt, updatedAt: c.updatedAt,
  };
}

function nameTaken(name: string): ConflictException {
  return new ConflictException({ message: `an alert channel named "${name}" exists already`, errors: [{ field: 'name', message: 'must be unique within the tenant' }] });
}
