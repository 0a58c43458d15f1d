import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { LimitQueryDto } from '../../core/http';
import { UNIFIED_MODELS } from '../../core/plugin-sdk';
import { GROUP_STATUSES, type GroupStatus } from './record-group.entity';

export class StartReconciliationDto {
  @ApiProperty({ enum: UNIFIED_MODELS, description: 'the unified model whose records are matched across connections' })
  @IsIn(UNIFIED_MODELS)
  model: string;
}

export class ListGroupsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ enum: UNIFIED_MODELS })
  @IsOptional()
  @IsIn(UNIFIED_MODELS)
  model?: string;

  @ApiPropertyOptional({ enum: GROUP_STATUSES })
  @IsOptional()
  @IsIn(GROUP_STATUSES)
  status?: GroupStatus;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}
