import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { REDIS } from '../../core/redis';
import { Operator, PasswordHasher, Tenant, User } from '../../core/tenancy';
import type { AdminIdentity } from './admin-sessions.service';

/** failed log-ins of one email within the window that lock it until the window ends */
export const MAX_FAILURES_PER_EMAIL = 5;
/** failed log-ins from one address within the window (many emails tried from one place) */
export const MAX_FAILURES_PER_IP = 30;
export const FAILURE_WINDOW_SECONDS = 15 * 60;

export type LoginOutcome =
  | { ok: true; identity: AdminIdentity }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

const emailKey = (email: string) => `admin:fail:email:${createHash('sha256').update(email).digest('hex')}`;
const ipKey = (ip: string) => `admin:fail:ip:${ip}`;

/**
 * The panel's log-in: an operator, or the owner of an active tenant, by email and password. Failures
 * are counted in Redis per email and per address, shared by every API process; past the limit the
 * password is not even checked until the window ends. Unknown emails are counted and timed like
 * known ones, so neither the answer nor the lock tells which accounts exist.
 */
@Injectable()
export class AdminLogin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async attempt(emailInput: string, password: string, ip: string): Promise<LoginOutcome> {
    const email = emailInput.trim().toLowerCase();
    const locked = await this.lockedFor(email, ip);
    if (locked > 0) return { ok: false, reason: 'locked', retryAfterSeconds: locked };
    const identity = await this.verify(email, password);
    if (!identity) {
      await this.countFailure(email, ip);
      return { ok: false, reason: 'invalid' };
    }
    await this.redis.del(emailKey(email));
    return { ok: true, identity };
  }

  /** Seconds until the email (or the address) may try again; 0 when it may now. */
  private async lockedFor(email: string, ip: string): Promise<number> {
    const [[, byEmail], [, byIp], [, emailTtl], [, ipTtl]] = (await this.redis.multi().get(emailKey(email)).get(ipKey(ip)).ttl(emailKey(email)).ttl(ipKey(ip)).exec()) as [unknown, string | null][];
    const waits = [
      Number(byEmail ?? 0) >= MAX_FAILURES_PER_EMAIL ? Number(emailTtl) : 0,
      Number(byIp ?? 0) >= MAX_FAILURES_PER_IP ? Number(ipTtl) : 0,
    ];
    return Math.max(0, ...waits);
  }

  private async countFailure(email: string, ip: string): Promise<void> {
    // the window starts at the first failure and is not extended by later ones
    await this.redis.multi()
      .incr(emailKey(email)).expire(emailKey(email), FAILURE_WINDOW_SECONDS, 'NX')
      .incr(ipKey(ip)).expire(ipKey(ip), FAILURE_WINDOW_SECONDS, 'NX')
      .exec();
  }

  private async verify(email: string, password: string): Promise<AdminIdentity | null> {
    const operator = await this.dataSource.manager.findOne(Operator, { where: { email }, select: { id: true, email: true, name: true, passwordHash: true } });
    if (operator) {
      return (await this.hasher.verify(password, operator.passwordHash))
        ? { role: 'operator', actorId: operator.id, email: operator.email, name: operator.name, tenantId: null }
        : null;
    }
    const owner = await this.findOwner(email);
    // verify runs without an account too, so the answer takes as long either way
    const ok = await this.hasher.verify(password, owner?.passwordHash);
    if (!owner || !ok) return null;
    const tenant = await this.dataSource.manager.findOne(Tenant, { where: { id: owner.tenantId } });
    if (tenant?.status !== 'active') return null;
    return { role: 'owner', actorId: owner.id, email: owner.email, name: owner.name, tenantId: owner.tenantId };
  }

  private findOwner(email: string): Promise<User | null> {
    return this.dataSource.manager.findOne(User, { where: { email, role: 'owner' }, select: { id: true, tenantId: true, email: true, name: true, passwordHash: true } });
  }
}
