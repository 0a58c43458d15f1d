import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { type Principal, TenantDirectory, User, type UserRole } from '../tenancy';
import { ApiKey } from './api-key.entity';
import { sha256 } from './token.service';

const KEY_TTL_MS = 5_000;
const LAST_USED_EVERY_MS = 60_000;

/** Turns verified credentials into the Principal of a request, checking the tenant is active. */
@Injectable()
export class PrincipalResolver {
  private readonly keys = new Map<string, { key: ApiKey | null; at: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantDirectory,
  ) {}

  async forUser(userId: string, tenantId: string, role: string): Promise<Principal> {
    const t = await this.tenants.get(tenantId);
    if (!t) throw new UnauthorizedException('the tenant of this token no longer exists');
    if (t.status !== 'active') throw new ForbiddenException('this tenant is suspended');
    return { kind: 'user', tenantId, actorId: userId, role: role as UserRole, scopes: ['read', 'write', 'admin'], plan: t.plan, rateLimit: t.rateLimit };
  }

  async forExternalEmail(email: string): Promise<Principal> {
    const user = email ? await this.dataSource.manager.findOne(User, { where: { email: email.toLowerCase() } }) : null;
    if (!user) throw new UnauthorizedException('the identity provider token names no Plugboard user');
    return this.forUser(user.id, user.tenantId, user.role);
  }

  /** API keys are looked up by hash; a revoked key stops working within KEY_TTL_MS everywhere, at once here. */
  async forApiKey(secret: string): Promise<Principal> {
    const hash = sha256(secret);
    let hit = this.keys.get(hash);
    if (!hit || Date.now() - hit.at > KEY_TTL_MS) {
      const key = await this.dataSource.manager.findOne(ApiKey, { where: { keyHash: hash, revokedAt: IsNull() } });
      hit = { key, at: Date.now() };
      this.keys.set(hash, hit);
    }
    const key = hit.key;
    if (!key || (key.expiresAt && key.expiresAt.getTime() < Date.now())) throw new UnauthorizedException('unknown, revoked or expired API key');
    const t = await this.tenants.get(key.tenantId);
    if (!t) throw new UnauthorizedException('unknown, revoked or expired API key');
    if (t.status !== 'active') throw new ForbiddenException('this tenant is suspended');
    this.touch(key);
    return { kind: 'api_key', tenantId: key.tenantId, actorId: key.id, role: 'member', scopes: key.scopes, plan: t.plan, rateLimit: t.rateLimit };
  }

  forgetApiKey(keyHash: string): void {
    this.keys.delete(keyHash);
  }

  /** last_used_at is written at most once a minute per key, off the request path. */
  private touch(key: ApiKey): void {
    const now = Date.now();
    if (key.lastUsedAt && now - key.lastUsedAt.getTime() < LAST_USED_EVERY_MS) return;
    key.lastUsedAt = new Date(now);
    void this.dataSource.manager.update(ApiKey, { id: key.id }, { lastUsedAt: key.lastUsedAt }).catch(() => undefined);
  }
}
