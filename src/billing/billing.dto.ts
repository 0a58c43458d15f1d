import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PLAN_IDS, type PlanId } from '../core/tenancy';
import { BILLING_INTERVALS, type BillingInterval } from './billing-account.entity';

const URL_OPTIONS = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

export class CheckoutDto {
  @ApiProperty({ enum: PLAN_IDS, example: 'starter' })
  @IsIn(PLAN_IDS)
  plan: PlanId;

  @ApiPropertyOptional({ enum: BILLING_INTERVALS, default: 'month', description: 'yearly is two months free' })
  @IsOptional()
  @IsIn(BILLING_INTERVALS)
  interval?: BillingInterval;

  @ApiPropertyOptional({ description: 'where the browser goes after paying (default: PUBLIC_URL)' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  successUrl?: string;

  @ApiPropertyOptional({ description: 'where the browser goes if the customer leaves checkout' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  cancelUrl?: string;
}

export class PortalDto {
  @ApiPropertyOptional({ description: 'where the portal sends the browser back to (default: PUBLIC_URL)' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  returnUrl?: string;
}

export class ChangePlanDto {
  @ApiProperty({ enum: PLAN_IDS, example: 'professional', description: 'a higher plan applies now (prorated); a lower one when the paid period ends' })
  @IsIn(PLAN_IDS)
  plan: PlanId;

  @ApiPropertyOptional({ enum: BILLING_INTERVALS, description: "default: the subscription's current interval" })
  @IsOptional()
  @IsIn(BILLING_INTERVALS)
  interval?: BillingInterval;
}

export class InvoicesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: "the previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  cursor?: string;
}

export class BrandingDto {
  @ApiProperty({ example: 'Acme Connect', description: 'shown instead of Plugboard to this tenant\'s people (white label, Enterprise)' })
  @IsString()
  @MinLength(1)
  @MaxLength(60)
  @Matches(/^[^\r\n<>]+$/, { message: 'productName must be one line without < or >' })
  productName: string;
}
