import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IdCursorQueryDto } from '../../core/http';
import { ALERT_STATUSES, ALERT_TYPES, SEVERITIES, type AlertStatus, type AlertType, type Severity } from './alert-types';

export class AlertsQueryDto extends IdCursorQueryDto {
  @ApiPropertyOptional({ enum: ALERT_STATUSES })
  @IsOptional()
  @IsIn(ALERT_STATUSES)
  status?: AlertStatus;

  @ApiPropertyOptional({ enum: ALERT_TYPES })
  @IsOptional()
  @IsIn(ALERT_TYPES)
  type?: AlertType;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ format: 'uuid', description: "only this connection's alerts" })
  @IsOptional()
  @IsUUID()
  connectionId?: string;
}

export class AlertActionDto {
  @ApiPropertyOptional({ description: 'a note for the timeline' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

export class ChangeAlertRuleDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ description: "the rule's parameters to change (see GET /api/v1/alert-rules for each type's)", example: { failures: 3 } })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;
}
