import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { LimitQueryDto } from '../../core/http';
import { CONFLICT_STRATEGIES, FLOW_DIRECTIONS, MERGE_RULES, type ConflictStrategy, type FieldMap, type FlowDirection, type FlowSide, type MergeRule } from './sync-flow.types';

export class CreateSyncFlowDto {
  @ApiProperty({ example: 'HubSpot contacts to the sales portal' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: { connectionId: '00000000-0000-0000-0000-000000000000', entity: 'contacts', write: { create: 'create_contact', update: 'update_contact' } } })
  @IsObject()
  source: FlowSide;

  @ApiProperty({ example: { connectionId: '00000000-0000-0000-0000-000000000000', entity: 'contacts' } })
  @IsObject()
  target: FlowSide;

  @ApiProperty({ example: [{ from: 'email', to: 'email' }], description: "pairs of unified fields: the source's `from`, the target's `to`" })
  @IsArray()
  mapping: FieldMap[];

  @ApiProperty({ enum: FLOW_DIRECTIONS })
  @IsIn(FLOW_DIRECTIONS)
  direction: FlowDirection;

  @ApiProperty({ enum: CONFLICT_STRATEGIES })
  @IsIn(CONFLICT_STRATEGIES)
  conflict: ConflictStrategy;

  @ApiPropertyOptional({ enum: MERGE_RULES, description: 'merge only: how fields changed on both sides are settled (default source_wins)' })
  @IsOptional()
  @IsIn(MERGE_RULES)
  mergeRule?: MergeRule;

  @ApiPropertyOptional({ default: true, description: "apply when a sync of the flow's streams completes (otherwise only with POST /sync-flows/{id}/apply)" })
  @IsOptional()
  @IsBoolean()
  autoApply?: boolean;
}

export class ConflictsQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'resolved'] })
  @IsOptional()
  @IsIn(['open', 'resolved'])
  status?: 'open' | 'resolved';
}

export class ResolveConflictDto {
  // required, but checked after the conflict is found (another tenant's id is a 404 before a 400)
  @ApiProperty({ enum: ['source', 'target', 'custom'] })
  @IsOptional()
  @IsIn(['source', 'target', 'custom'])
  choose?: 'source' | 'target' | 'custom';

  @ApiPropertyOptional({ description: 'custom only: the value of each conflicting field, keyed by the mapping `from` name' })
  @IsOptional()
  @IsObject()
  values?: Record<string, unknown>;
}

export class HistoryQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,19}$/)
  cursor?: string;
}
