import { ConflictException, Injectable, Optional } from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import { PasswordHasher, PLAN_PAUSE_REASON, PlanLimits, TenantDb, User, type UserRole } from '../tenancy';
import { PrincipalResolver } from './principal-resolver.service';
import { RefreshToken } from './refresh-token.entity';

export type UserView = Pick<User, 'id' | 'email' | 'name' | 'role' | 'createdAt' | 'lastLoginAt' | 'pausedReason'>;

export const userView = (u: User): UserView => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt, pausedReason: u.pausedReason });

/**
 * Adds users to the current tenant (the API's POST /users and the CLI's `users create`), and pauses
 * and resumes them as the plan's user limit changes (billing asks).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantDb,
    private readonly hasher: PasswordHasher,
    private readonly principals: PrincipalResolver,
    @Optional() private readonly plans?: PlanLimits,
  ) {}

  /** Refused (402, nothing written) when the tenant's plan has no room for another user. */
  async create(input: { email: string; password: string; name?: string; role: UserRole }): Promise<UserView> {
    const passwordHash = await this.hasher.hash(input.password);
    const insert = () => this.insert(input, passwordHash);
    return this.plans ? this.plans.withinLimit('users', insert) : insert();
  }

  private async insert(input: { email: string; name?: string; role: UserRole }, passwordHash: string): Promise<UserView> {
    const email = input.email.toLowerCase();
    try {
      return userView(await this.db.repo(User).insert({ email, name: input.name ?? '', role: input.role, passwordHash }));
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new ConflictException({ message: 'a user with this email exists', errors: [{ field: 'email', message: 'is already registered' }] });
      throw e;
    }
  }

  /** Users who may log in: the ones a plan counts. */
  countActive(): Promise<number> {
    return this.db.repo(User).query('u').andWhere('u.paused_reason IS NULL').getCount();
  }

  /**
   * Pauses the users beyond the first `keep` (owners first, then the oldest; never the last one, who
   * must be able to log in to upgrade) and ends their sessions. Nothing is deleted.
   */
  async pauseBeyond(keep: number, reason: string): Promise<number> {
    const active = await this.db.repo(User).query('u').andWhere('u.paused_reason IS NULL')
      .orderBy(`CASE WHEN u.role = 'owner' THEN 0 ELSE 1 END`).addOrderBy('u.created_at', 'ASC').addOrderBy('u.id', 'ASC').getMany();
    const ids = active.slice(Math.max(keep, 1)).map((u) => u.id);
    if (ids.length === 0) return 0;
    await this.db.repo(User).update({ id: In(ids) }, { pausedReason: `${PLAN_PAUSE_REASON}${reason}` });
    await this.db.repo(RefreshToken).update({ userId: In(ids), revokedAt: IsNull() }, { revokedAt: new Date() });
    this.principals.forgetUsers(ids);
    return ids.length;
  }

  /** Lets users the plan paused log in again, oldest first, while fewer than `limit` are active (null: no limit). */
  async resumePaused(limit: number | null): Promise<number> {
    const paused = await this.db.repo(User).query('u').andWhere('u.paused_reason LIKE :prefix', { prefix: `${PLAN_PAUSE_REASON}%` })
      .orderBy('u.created_at', 'ASC').addOrderBy('u.id', 'ASC').getMany();
    const room = limit === null ? paused.length : Math.max(0, limit - (await this.countActive()));
    const ids = paused.slice(0, room).map((u) => u.id);
    if (ids.length > 0) await this.db.repo(User).update({ id: In(ids) }, { pausedReason: null });
    this.principals.forgetUsers(ids);
    return ids.length;
  }
}
