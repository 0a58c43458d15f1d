import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IdCursorQueryDto } from '../../core/http';
import { ALERT_TYPES, SEVERITIES, type AlertType, type Severity } from '../alerts/alert-types';
import { CHANNEL_TYPES, type ChannelType } from '../entities/alert-channel.entity';

const NAME = /^[^\s].*$/;

class ChannelSettingsDto {
  @ApiPropertyOptional({ enum: SEVERITIES, default: 'warning', description: 'alerts of at least this severity go to the channel' })
  @IsOptional()
  @IsIn(SEVERITIES)
  minSeverity?: Severity;

  @ApiPropertyOptional({ enum: ALERT_TYPES, isArray: true, description: 'only these alert types (all when absent or empty)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ALERT_TYPES.length)
  @IsIn(ALERT_TYPES, { each: true })
  types?: AlertType[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: 20, description: 'at most this many alerts an hour; more are recorded as suppressed' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerHour?: number;

  @ApiPropertyOptional({ default: 30, description: 'minutes during which a new incident of a condition already notified is not sent again (flapping); 0 to send every time' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_080)
  quietPeriodMinutes?: number;
}

export class CreateAlertChannelDto extends ChannelSettingsDto {
  @ApiProperty({ example: 'On-call e-mail', description: 'unique within the tenant' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must not start with a space' })
  name: string;

  @ApiProperty({ enum: CHANNEL_TYPES })
  @IsIn(CHANNEL_TYPES)
  type: ChannelType;

  @ApiProperty({
    description: 'email: { to: [addresses] }; slack: { webhookUrl }; webhook: { url, secret? (whsec_..., generated when absent) }; in_app: {}; '
      + 'sms: { connectionId, to: [E.164 numbers], action? (the plugin action taking { to, body }, default send_sms) }',
    example: { to: ['oncall@example.com'] },
  })
  @IsObject()
  config: Record<string, unknown>;
}

/** Any field but the type; a config is the type's whole config, as on create (secrets left out are kept). */
export class UpdateAlertChannelDto extends PartialType(OmitType(CreateAlertChannelDto, ['type'] as const)) {}

export class NotificationsQueryDto extends IdCursorQueryDto {
  @ApiPropertyOptional({ description: 'only unread ones' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
}
