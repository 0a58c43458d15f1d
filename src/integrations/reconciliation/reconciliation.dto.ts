import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { UNIFIED_MODELS } from '../../core/plugin-sdk';
import { GROUP_STATUSES, type GroupStatus } from './record-group.entity';

export class StartReconciliationDto {
  @ApiProperty({ enum: UNIFIED_MODELS, description: 'the unified model whose records are matched across connections' })
  @IsIn(UNIFIED_MODELS)
  model: string;
}

export class ListGroupsQueryDto {
  @ApiPropertyOptional({ enum: UNIFIED_MODELS })
  @IsOptional()
  @IsIn(UNIFIED_MODELS)
  model?: string;

  @ApiPropertyOptional({ enum: GROUP_STATUSES })
  @IsOptional()
  @IsIn(GROUP_STATUSES)
  status?: GroupStatus;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}
