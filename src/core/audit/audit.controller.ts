import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Roles, PageQueryDto } from '../auth';
import { RequestContext } from '../tenancy';
import { DataSource } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be a nextCursor value from a previous page' })
  declare cursor?: string;

  @ApiPropertyOptional({ enum: ['POST', 'PUT', 'PATCH', 'DELETE'] })
  @IsOptional()
  @IsIn(['POST', 'PUT', 'PATCH', 'DELETE'])
  method?: string;

  @ApiPropertyOptional({ description: 'route pattern prefix, e.g. /api/v1/api-keys' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  route?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Roles('owner', 'admin')
@Controller('api/v1/audit-log')
export class AuditController {
  constructor(private readonly dataSource: DataSource, private readonly context: RequestContext) {}

  @Get()
  @ApiOperation({ summary: 'Mutating requests of this tenant, newest first (cursor-paginated)' })
  async list(@Query() q: AuditQueryDto): Promise<{ data: AuditEntry[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    // audit_log rows of a failed log-in have no tenant, so this table is read by tenant id explicitly
    const qb = this.dataSource.manager.createQueryBuilder(AuditEntry, 'a').where('a.tenant_id = :t', { t: this.context.tenantId });
    if (q.cursor) qb.andWhere('a.id < :cursor', { cursor: q.cursor });
    if (q.method) qb.andWhere('a.method = :m', { m: q.method });
    if (q.route) qb.andWhere('a.route LIKE :r', { r: `${q.route.replace(/[%_]/g, '')}%` });
    const rows = await qb.orderBy('a.id', 'DESC').take(limit + 1).getMany();
    const page = rows.slice(0, limit);
    return { data: page, nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }
}
