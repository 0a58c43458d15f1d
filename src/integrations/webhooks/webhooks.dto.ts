import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDate, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { LimitQueryDto } from '../../core/http';
import { DELIVERY_STATUSES, type DeliveryStatus } from './webhook-endpoint.entity';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from './webhook-event.entity';
import { OUTBOUND_EVENT_TYPES } from './webhooks.constants';

const EVENT_TYPE = /^[a-z0-9_-]+(\.[a-zA-Z0-9_-]+)+$/;

export class ListWebhookEventsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ example: 'stripe' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,40}$/, { message: 'plugin must be a plugin name' })
  plugin?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_STATUSES })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status?: WebhookEventStatus;

  @ApiPropertyOptional({ example: 'stripe.invoice.paid' })
  @IsOptional()
  @Matches(EVENT_TYPE, { message: 'type must be an event type such as stripe.invoice.paid' })
  @MaxLength(200)
  type?: string;

  @ApiPropertyOptional({ description: 'received at or after (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ description: 'received before (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://example.com/plugboard-webhooks' })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ enum: OUTBOUND_EVENT_TYPES, isArray: true, example: ['sync.completed', 'record.updated'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(OUTBOUND_EVENT_TYPES.length)
  @IsIn(OUTBOUND_EVENT_TYPES, { each: true })
  eventTypes: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10_000, description: 'deliveries per second to this endpoint (default OUTBOUND_WEBHOOK_RATE_LIMIT)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: OUTBOUND_EVENT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(OUTBOUND_EVENT_TYPES.length)
  @IsIn(OUTBOUND_EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number;

  @ApiPropertyOptional({ description: 'false disables the endpoint; true enables it again (also after it was disabled for failing)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListDeliveriesQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  endpointId?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ example: 'sync.completed' })
  @IsOptional()
  @Matches(EVENT_TYPE, { message: 'eventType must be an event type such as sync.completed' })
  @MaxLength(200)
  eventType?: string;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}
