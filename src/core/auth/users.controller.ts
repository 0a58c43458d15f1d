import { Body, ConflictException, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PasswordHasher, RequestContext, TenantDb, TenantDirectory, User } from '../tenancy';
import { Roles } from './auth.decorators';
import { CreateUserDto } from './auth.dto';

type UserView = Pick<User, 'id' | 'email' | 'name' | 'role' | 'createdAt' | 'lastLoginAt'>;
const view = (u: User): UserView => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt });

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1')
export class UsersController {
  constructor(
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly hasher: PasswordHasher,
    private readonly tenants: TenantDirectory,
  ) {}

  @Get('me')
  @ApiOperation({ summary: 'Who is calling: the principal, its tenant and rate limit' })
  async me(): Promise<Record<string, unknown>> {
    const p = this.context.principal!;
    const tenant = await this.tenants.get(p.tenantId);
    return { kind: p.kind, actorId: p.actorId, role: p.role, scopes: p.scopes, tenant: { id: p.tenantId, plan: tenant?.plan, rateLimitPerMinute: p.rateLimit } };
  }

  @Get('users')
  @ApiOperation({ summary: "The tenant's users" })
  async list(): Promise<{ data: UserView[] }> {
    return { data: (await this.db.repo(User).find({}, { order: { createdAt: 'ASC' } })).map(view) };
  }

  @Get('users/:id')
  @ApiOperation({ summary: 'One user of the tenant' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    const u = await this.db.repo(User).findOne({ id });
    if (!u) throw new NotFoundException(`no user ${id}`);
    return view(u);
  }

  @Post('users')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Add a user to the tenant (admin or member)' })
  async create(@Body() dto: CreateUserDto): Promise<UserView> {
    const email = dto.email.toLowerCase();
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      return view(await this.db.repo(User).insert({ email, name: dto.name ?? '', role: dto.role, passwordHash }));
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new ConflictException({ message: 'a user with this email exists', errors: [{ field: 'email', message: 'is already registered' }] });
      throw e;
    }
  }
}
