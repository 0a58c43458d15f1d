import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDate, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { LimitQueryDto } from '../../core/http';
import { UNIFIED_MODELS } from '../../core/plugin-sdk';
import { SYNC_MODES, type SyncMode } from './sync-run.entity';

const ENTITY = /^[a-z][a-z0-9_]{0,62}$/;
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class StartSyncDto {
  // required, but checked after the connection (a 404 for another tenant's connection comes before a 400/422)
  @ApiProperty({ example: 'contacts', description: "one of the plugin's entities" })
  @IsOptional()
  @IsString()
  @Matches(ENTITY, { message: 'entity must be a snake_case entity name' })
  entity?: string;

  @ApiPropertyOptional({ enum: SYNC_MODES, default: 'incremental', description: 'incremental falls back to full on the first run, or when the plugin cannot filter by date' })
  @IsOptional()
  @IsIn(SYNC_MODES)
  mode?: SyncMode;

  @ApiPropertyOptional({ default: false, description: 'compute the counts without writing records' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ default: false, description: 'let a full run delete more records than the delete guard allows' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class ListRunsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}

export class RecordsQueryBase extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'only records whose stored content changed at or after this instant (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  modifiedSince?: Date;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ default: false, description: 'include records deleted at the platform' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  includeDeleted?: boolean;
}

export class RecordsQueryDto extends RecordsQueryBase {
  @ApiProperty({ enum: UNIFIED_MODELS })
  @IsIn(UNIFIED_MODELS)
  model: string;
}

export class ChangesQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'a nextCursor of the feed; changes after it are returned (0 or absent: from the start)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'since must be a nextCursor value of the feed' })
  since?: string;

  @ApiPropertyOptional({ enum: UNIFIED_MODELS })
  @IsOptional()
  @IsIn(UNIFIED_MODELS)
  model?: string;
}

export class SetScheduleDto {
  // required, but checked after the connection (see StartSyncDto.entity)
  @ApiProperty({ example: '*/15 * * * *', description: 'a cron expression (5 fields, or 6 with seconds)' })
  @IsOptional()
  @IsString()
  @Matches(/^\s*(\S+\s+){4,5}\S+\s*$/, { message: 'cron must have 5 or 6 fields' })
  cron?: string;

  @ApiPropertyOptional({ enum: SYNC_MODES, default: 'incremental' })
  @IsOptional()
  @IsIn(SYNC_MODES)
  mode?: SyncMode;
}
