import { ConflictException, Injectable, Optional } from '@nestjs/common';
import { PasswordHasher, PlanLimits, TenantDb, User, type UserRole } from '../tenancy';

export type UserView = Pick<User, 'id' | 'email' | 'name' | 'role' | 'createdAt' | 'lastLoginAt'>;

export const userView = (u: User): UserView => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt });

/** Adds users to the current tenant: the API's POST /users and the CLI's `users create`. */
@Injectable()
export class UsersService {
  constructor(private readonly db: TenantDb, private readonly hasher: PasswordHasher, @Optional() private readonly plans?: PlanLimits) {}

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
}
