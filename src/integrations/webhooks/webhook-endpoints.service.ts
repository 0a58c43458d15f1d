import { Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ValidationFailedException } from '../../core/http';
import { TenantDb } from '../../core/tenancy';
import { VaultService } from '../../core/vault';
import { AddressGuard } from '../../core/http';
import { WebhookEndpoint } from './webhook-endpoint.entity';

/** How long the secret before a rotation still signs deliveries beside the new one, so receivers can switch over. */
const ROTATION_GRACE_MS = 24 * 3_600_000;

export interface EndpointInput {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  rateLimitPerSecond?: number | null;
  enabled?: boolean;
}

export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  rateLimitPerSecond: number | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The vault entry of an endpoint: its secret, and during a rotation the one before. */
interface EndpointSecrets {
  secret: string;
  previous?: string;
  previousUntil?: string;
}

/**
 * Tenants' endpoints for Plugboard's own events. Each has a Standard Webhooks secret (`whsec_` and
 * base64 of 24 random bytes) kept in the vault and shown only when created or rotated.
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly db: TenantDb,
    private readonly vault: VaultService,
    private readonly guard: AddressGuard,
  ) {}

  async create(input: EndpointInput & { url: string; eventTypes: string[] }): Promise<EndpointView & { secret: string }> {
    this.checkUrl(input.url);
    const secret = newSecret();
    const vaultEntryId = await this.vault.put({ secret } satisfies EndpointSecrets);
    const now = new Date();
    const row = await this.db.repo(WebhookEndpoint).insert({
      url: input.url, description: input.description ?? null, eventTypes: [...new Set(input.eventTypes)], secretVaultEntryId: vaultEntryId,
      status: 'enabled', disabledReason: null, rateLimitPerSecond: input.rateLimitPerSecond ?? null, failingSince: null, createdAt: now, updatedAt: now,
    });
    return { ...view(await this.find(row.id)), secret };
  }

  async list(): Promise<EndpointView[]> {
    return (await this.db.repo(WebhookEndpoint).find({}, { order: { createdAt: 'ASC' } })).map(view);
  }

  async get(id: string): Promise<EndpointView> {
    return view(await this.find(id));
  }

  async update(id: string, input: EndpointInput): Promise<EndpointView> {
    await this.find(id);
    if (input.url !== undefined) this.checkUrl(input.url);
    const patch: Partial<WebhookEndpoint> = { updatedAt: new Date() };
    if (input.url !== undefined) patch.url = input.url;
    if (input.eventTypes !== undefined) patch.eventTypes = [...new Set(input.eventTypes)];
    if (input.description !== undefined) patch.description = input.description;
    if (input.rateLimitPerSecond !== undefined) patch.rateLimitPerSecond = input.rateLimitPerSecond;
    // enabling again gives the endpoint a fresh start; disabling by hand says so
    if (input.enabled === true) Object.assign(patch, { status: 'enabled', disabledReason: null, failingSince: null });
    if (input.enabled === false) Object.assign(patch, { status: 'disabled', disabledReason: 'disabled by a user' });
    await this.db.repo(WebhookEndpoint).update({ id }, patch);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const e = await this.find(id);
    await this.db.repo(WebhookEndpoint).delete({ id });
    await this.vault.delete(e.secretVaultEntryId);
  }

  /** A new secret; the old one keeps signing beside it for a day. */
  async rotateSecret(id: string): Promise<{ secret: string; previousValidUntil: Date }> {
    const e = await this.find(id);
    const old = (await this.vault.get(e.secretVaultEntryId)) as unknown as EndpointSecrets;
    const secret = newSecret();
    const previousValidUntil = new Date(Date.now() + ROTATION_GRACE_MS);
    await this.vault.replace(e.secretVaultEntryId, { secret, previous: old.secret, previousUntil: previousValidUntil.toISOString() } satisfies EndpointSecrets);
    await this.db.repo(WebhookEndpoint).update({ id }, { updatedAt: new Date() });
    return { secret, previousValidUntil };
  }

  /** The secrets a delivery is signed with now: the current one, and the previous one during its grace. */
  async signingSecrets(e: WebhookEndpoint): Promise<string[]> {
    const s = (await this.vault.get(e.secretVaultEntryId)) as unknown as EndpointSecrets;
    return s.previous && s.previousUntil && Date.parse(s.previousUntil) > Date.now() ? [s.secret, s.previous] : [s.secret];
  }

  async find(id: string): Promise<WebhookEndpoint> {
    const e = await this.db.repo(WebhookEndpoint).findOne({ id });
    if (!e) throw new NotFoundException(`no webhook endpoint ${id}`);
    return e;
  }

  private checkUrl(url: string): void {
    const problem = this.guard.urlProblem(url);
    if (problem) throw new ValidationFailedException([{ field: 'url', message: `url ${problem}` }]);
  }
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function view(e: WebhookEndpoint): EndpointView {
  return {
    id: e.id, url: e.url, description: e.description, eventTypes: e.eventTypes, status: e.status, disabledReason: e.disabledReason,
    rateLimitPerSecond: e.rateLimitPerSecond, failingSince: e.failingSince, createdAt: e.createdAt, updatedAt: e.updatedAt,
  };
}
