import { ConflictException, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { PasswordHasher, Tenant, User } from '../tenancy';
import { pausedUser } from './principal-resolver.service';
import { RefreshToken } from './refresh-token.entity';
import { opaqueToken, sha256, TokenService } from './token.service';

export interface SessionTokens {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: { id: string; email: string; name: string; role: string };
  tenant: { id: string; name: string; slug: string; plan: string };
}

function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'tenant';
}

/**
 * Sign-up, log-in and refresh. These run before a tenant is known, so they work on the tables
 * directly; every query names the tenant it derives from the verified user.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  async signup(input: { tenantName: string; email: string; password: string; name?: string }): Promise<SessionTokens> {
    const email = input.email.toLowerCase();
    const passwordHash = await this.hasher.hash(input.password);
    const { tenant, user } = await this.dataSource.transaction(async (m) => {
      if (await m.exists(User, { where: { email } })) throw new ConflictException({ message: 'an account with this email exists; log in instead', errors: [{ field: 'email', message: 'is already registered' }] });
      const base = slugify(input.tenantName);
      const taken = await m.exists(Tenant, { where: { slug: base } });
      const tenant = await m.save(m.create(Tenant, { name: input.tenantName, slug: taken ? `${base}-${randomUUID().slice(0, 6)}` : base }));
      const user = await m.save(m.create(User, { tenantId: tenant.id, email, name: input.name ?? '', passwordHash, role: 'owner' }));
      return { tenant, user };
    });
    return this.issue(user, tenant);
  }

  async login(emailInput: string, password: string): Promise<SessionTokens> {
    const email = emailInput.toLowerCase();
    const user = await this.dataSource.manager.findOne(User, { where: { email }, select: { id: true, tenantId: true, email: true, name: true, role: true, passwordHash: true, pausedReason: true } });
    // verify runs even for unknown emails so the answer takes as long either way
    const ok = await this.hasher.verify(password, user?.passwordHash);
    if (!user || !ok) throw new UnauthorizedException('wrong email or password');
    if (user.pausedReason) throw pausedUser(user.pausedReason);
    const tenant = await this.dataSource.manager.findOneOrFail(Tenant, { where: { id: user.tenantId } });
    await this.dataSource.manager.update(User, { id: user.id }, { lastLoginAt: new Date() });
    return this.issue(user, tenant);
  }

  /** Rotates the refresh token. Presenting a used one revokes its whole family: it was stolen or replayed. */
  async refresh(presented: string): Promise<SessionTokens> {
    const hash = sha256(presented);
    const outcome = await this.dataSource.transaction(async (m) => {
      const row = await m.findOne(RefreshToken, { where: { tokenHash: hash }, lock: { mode: 'pessimistic_write' } });
      if (!row || row.expiresAt.getTime() < Date.now()) return { kind: 'unknown' as const };
      if (row.revokedAt) {
        // committed here, not thrown: throwing would roll the family revocation back
        await m.update(RefreshToken, { familyId: row.familyId, tenantId: row.tenantId, revokedAt: IsNull() }, { revokedAt: new Date() });
        return { kind: 'replayed' as const };
      }
      const user = await m.findOneOrFail(User, { where: { id: row.userId, tenantId: row.tenantId } });
      if (user.pausedReason) return { kind: 'paused' as const, reason: user.pausedReason };
      await m.update(RefreshToken, { id: row.id }, { revokedAt: new Date() });
      const tenant = await m.findOneOrFail(Tenant, { where: { id: row.tenantId } });
      return { kind: 'issued' as const, session: await this.issue(user, tenant, row.familyId, m) };
    });
    if (outcome.kind === 'unknown') throw new UnauthorizedException('unknown or expired refresh token');
    if (outcome.kind === 'replayed') throw new UnauthorizedException('this refresh token was already used; every session of its family is now revoked');
    if (outcome.kind === 'paused') throw pausedUser(outcome.reason);
    return outcome.session;
  }

  private async issue(user: User, tenant: Tenant, familyId: string = randomUUID(), m: EntityManager = this.dataSource.manager): Promise<SessionTokens> {
    const refreshToken = opaqueToken('pbr_', 32);
    await m.insert(RefreshToken, {
      tenantId: tenant.id, userId: user.id, tokenHash: sha256(refreshToken), familyId,
      expiresAt: new Date(Date.now() + this.config.JWT_REFRESH_TTL_DAYS * 86_400_000),
    });
    const { token, expiresIn } = this.tokens.signAccess({ sub: user.id, tid: tenant.id, role: user.role });
    return {
      tokenType: 'Bearer', accessToken: token, expiresIn, refreshToken,
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      tenant: { id: tenant.id, name: tenant.name, slug: tenant.slug, plan: tenant.plan },
    };
  }
}
