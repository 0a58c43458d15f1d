import { Body, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestContext, TenantDb, TenantDirectory, User } from '../tenancy';
import { Roles } from './auth.decorators';
import { CreateUserDto } from './auth.dto';
import { userView as view, UsersService, type UserView } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1')
export class UsersController {
  constructor(
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly tenants: TenantDirectory,
    private readonly users: UsersService,
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
  create(@Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.create(dto);
  }
}
