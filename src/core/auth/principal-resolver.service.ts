import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { type Principal, TenantDirectory, User } from '../tenancy';
import { ApiKey } from './api-key.entity';
import { sha256 } from './token.service';

const KEY_TTL_MS = 5_000;
const USER_TTL_MS = 5_000;
const MAX_CACHED_USERS = 10_000;
const LAST_USED_EVERY_MS = 60_000;

/** What a request needs to know of its user, now rather than when its token was signed. */
type UserState = Pick<User, 'tenantId' | 'role' | 'pausedReason'>;

export function pausedUser(reason: string): ForbiddenException {
  return new ForbiddenException(`this user is paused (${reason}); the tenant's owner can upgrade the plan to bring it back`);
}

/** Turns verified credentials into the Principal of a request, checking the tenant is active. */
@Injectable()
export class PrincipalResolver {
  private readonly keys = new Map<string, { key: ApiKey | null; at: number }>();
  private readonly users = new Map<string, { user: UserState | null; at: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantDirectory,
  ) {}

  /**
   * A user's principal, with the user's current role and state: a token signed before the user was
   * paused (or its role changed) stops working (or acting in that role) within USER_TTL_MS everywhere,
   * at once in the process that paused it.
   */
  async forUser(userId: string, tenantId: string): Promise<Principal> {
    const t = await this.tenants.get(tenantId);
    if (!t) throw new UnauthorizedException('the tenant of this token no longer exists');
    if (t.status !== 'active') throw new ForbiddenException('this tenant is suspended');
    const { role } = await this.activeUser(userId, tenantId);
    return { kind: 'user', tenantId, actorId: userId, role, scopes: ['read', 'write', 'admin'], plan: t.plan, rateLimit: t.rateLimit };
  }

  /** A user's principal (one verified a moment ago, say) with the user's current role; refused when the user is paused or gone. */
  async withCurrentUser(p: Principal): Promise<Principal> {
    if (p.kind !== 'user') return p;
    const { role } = await this.activeUser(p.actorId, p.tenantId);
    return role === p.role ? p : { ...p, role };
  }

  forgetUsers(userIds: readonly string[]): void {
    for (const id of userIds) this.users.delete(id);
  }

  /** The user as of at most USER_TTL_MS ago; 401 when gone (or of another tenant), 403 when paused. */
  private async activeUser(userId: string, tenantId: string): Promise<UserState> {
    let hit = this.users.get(userId);
    if (!hit || Date.now() - hit.at > USER_TTL_MS) {
      const user = await this.dataSource.manager.findOne(User, { where: { id: userId }, select: { id: true, tenantId: true, role: true, pausedReason: true } });
      if (this.users.size >= MAX_CACHED_USERS) this.users.clear();
      hit = { user, at: Date.now() };
      this.users.set(userId, hit);
    }
    const user = hit.user;
    if (!user || user.tenantId !== tenantId) throw new UnauthorizedException('the user of this token no longer exists');
    if (user.pausedReason) throw pausedUser(user.pausedReason);
    return user;
  }

  async forExternalEmail(email: string): Promise<Principal> {
    const user = email ? await this.dataSource.manager.findOne(User, { where: { email: email.toLowerCase() } }) : null;
    if (!user) throw new UnauthorizedException('the identity provider token names no Plugboard user');
    return this.forUser(user.id, user.tenantId);
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
