import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, Matches } from 'class-validator';
import { ValidationFailedException } from '../../core/http';
import { AnalyticsService, type IntegrationAnalytics } from './analytics.service';

const DAY = 86_400_000;
const MAX_DAYS = 366;

export class AnalyticsQueryDto {
  @ApiPropertyOptional({ description: 'ISO 8601; default 24 hours before `to`' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ description: 'ISO 8601; default now' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;

  @ApiPropertyOptional({ example: 'stripe' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,40}$/, { message: 'plugin must be a plugin name' })
  plugin?: string;
}

@ApiTags('analytics')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('integrations')
  @ApiOperation({ summary: 'Per plugin and connection: API calls, success rate, latency percentiles, errors by category, records synced, webhooks, workflow runs, estimated cost (hourly granularity beyond the last hours)' })
  integrations(@Query() q: AnalyticsQueryDto): Promise<IntegrationAnalytics> {
    const to = q.to ?? new Date();
    const from = q.from ?? new Date(to.getTime() - DAY);
    if (from >= to) throw new ValidationFailedException([{ field: 'from', message: 'from must be before to' }]);
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY) throw new ValidationFailedException([{ field: 'from', message: `the range may span at most ${MAX_DAYS} days` }]);
    return this.analytics.integrations({ from, to }, q.plugin);
  }
}
