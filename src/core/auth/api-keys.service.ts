import { Injectable, NotFoundException } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { RequestContext, TenantDb } from '../tenancy';
import { ApiKey, type ApiKeyScope } from './api-key.entity';
import { API_KEY_PREFIX } from './auth.guard';
import { PrincipalResolver } from './principal-resolver.service';
import { opaqueToken, sha256 } from './token.service';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** shown once; only its hash is kept */
  key: string;
}

const view = (k: ApiKey): ApiKeyView => ({
  id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt ?? null, expiresAt: k.expiresAt ?? null, revokedAt: k.revokedAt ?? null,
});

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly principals: PrincipalResolver,
  ) {}

  async create(input: { name: string; scopes: ApiKeyScope[]; expiresInDays?: number }): Promise<CreatedApiKey> {
    const key = opaqueToken(API_KEY_PREFIX, 20);
    const p = this.context.principal;
    const row = await this.db.repo(ApiKey).insert({
      name: input.name, prefix: key.slice(0, 10), keyHash: sha256(key), scopes: [...new Set(input.scopes)],
      createdBy: p?.kind === 'user' ? p.actorId : null,
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
    });
    return { ...view(row), key };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.db.repo(ApiKey).find({}, { order: { createdAt: 'DESC' } })).map(view);
  }

  async revoke(id: string): Promise<void> {
    const repo = this.db.repo(ApiKey);
    const key = await repo.findOne({ id, revokedAt: IsNull() }, { select: ['id', 'keyHash'] });
    if (!key) throw new NotFoundException(`no active API key ${id}`);
    await repo.update({ id }, { revokedAt: new Date() });
    this.principals.forgetApiKey(key.keyHash);
  }

  /** A new secret with the same name and scopes; the old one stops working now. */
  async rotate(id: string): Promise<CreatedApiKey> {
    const old = await this.db.repo(ApiKey).findOne({ id, revokedAt: IsNull() });
    if (!old) throw new NotFoundException(`no active API key ${id}`);
    await this.revoke(id);
    return this.create({ name: old.name, scopes: old.scopes, expiresInDays: old.expiresAt ? Math.ceil((old.expiresAt.getTime() - Date.now()) / 86_400_000) : undefined });
  }
}
