import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Put, Query, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public, Roles } from '../core/auth';
import { BillingService, type InvoiceView, type PlanChange, type SubscriptionView } from './billing.service';
import { BillingWebhooks, type WebhookOutcome } from './billing-webhooks.service';
import { BrandingDto, ChangePlanDto, CheckoutDto, InvoicesQueryDto, PortalDto } from './billing.dto';
import { Branding, type BrandingView } from './branding.service';
import { Entitlements, type UsageView } from './entitlements.service';
import { PlanCatalog } from './plan-catalog.service';
import type { BillingPlan } from './billing-plan.entity';

export interface PlanView {
  id: BillingPlan['id'];
  name: string;
  prices: { month: number; year: number; currency: string };
  limits: { apiRequestsPerMinute: number; connections: number | null; activeWorkflows: number | null; users: number | null; syncedRecordsPerPeriod: number | null };
  features: { customPlugins: boolean; whiteLabel: boolean };
  /** the calling tenant's plan */
  current: boolean;
}

const planView = (p: BillingPlan, current: boolean): PlanView => ({
  id: p.id, name: p.name,
  prices: { month: p.monthlyPriceCents, year: p.yearlyPriceCents, currency: p.currency },
  limits: { apiRequestsPerMinute: p.apiRateLimit, connections: p.maxConnections, activeWorkflows: p.maxActiveWorkflows, users: p.maxUsers, syncedRecordsPerPeriod: p.includedSyncedRecords },
  features: { customPlugins: p.customPlugins, whiteLabel: p.whiteLabel },
  current,
});

/**
 * The tenant's billing. Plans and usage come from Plugboard's own tables and answer without a
 * payment provider; everything else needs one (503 otherwise). Owners and admins buy and change.
 */
@ApiTags('billing')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/billing')
export class BillingController {
  constructor(private readonly billing: BillingService, private readonly entitlements: Entitlements, private readonly catalog: PlanCatalog) {}

  @Get('plans')
  @ApiOperation({ summary: 'The plans, their prices (in cents) and what each allows; `current` marks this tenant\'s' })
  async plans(): Promise<{ data: PlanView[] }> {
    const current = (await this.entitlements.plan()).id;
    return { data: (await this.catalog.list()).map((p) => planView(p, p.id === current)) };
  }

  @Get('usage')
  @ApiOperation({ summary: "What this tenant uses against its plan's limits, in this billing period" })
  usage(): Promise<UsageView> {
    return this.entitlements.view();
  }

  @Post('checkout')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Start a subscription: returns a Checkout URL to send the browser to; the plan applies when the payment provider confirms it' })
  checkout(@Body() dto: CheckoutDto): Promise<{ id: string; url: string; expiresAt: Date }> {
    return this.billing.checkout({ ...dto, interval: dto.interval ?? 'month' });
  }

  @Post('portal')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'A billing portal URL: payment methods, invoices, cancellation' })
  portal(@Body() dto: PortalDto): Promise<{ url: string }> {
    return this.billing.portal(dto.returnUrl);
  }

  @Get('subscription')
  @ApiOperation({ summary: 'The subscription as the payment provider last reported it, and the plan in force' })
  subscription(): Promise<SubscriptionView> {
    return this.billing.subscription();
  }

  @Post('subscription')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Change plan: an upgrade applies now and is invoiced prorated; a downgrade applies when the paid period ends' })
  change(@Body() dto: ChangePlanDto): Promise<SubscriptionView & { change: PlanChange }> {
    return this.billing.change(dto);
  }

  @Delete('subscription')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Cancel at the end of the paid period (the plan stays until then)' })
  cancel(): Promise<SubscriptionView> {
    return this.billing.cancel();
  }

  @Post('subscription/reactivate')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Undo a cancellation, or pay an overdue invoice now (after fixing the card in the portal)' })
  reactivate(): Promise<SubscriptionView> {
    return this.billing.reactivate();
  }

  @Get('invoices')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Invoices, newest first' })
  invoices(@Query() q: InvoicesQueryDto): Promise<{ data: InvoiceView[]; nextCursor: string | null }> {
    return this.billing.invoices({ limit: q.limit ?? 20, startingAfter: q.cursor });
  }
}

/** Stripe's deliveries: a fixed path, so it wins over a `/webhooks/:plugin` route; the signature is the only credential. */
@ApiTags('billing')
@Controller('webhooks')
export class BillingWebhookController {
  constructor(private readonly webhooks: BillingWebhooks) {}

  @Post('stripe-billing')
  @Public()
  @SkipThrottle()
  @HttpCode(200)
  @ApiExcludeEndpoint()
  receive(@Req() req: RawBodyRequest<FastifyRequest>, @Headers('stripe-signature') signature?: string): Promise<{ received: true; id: string; outcome: WebhookOutcome }> {
    return this.webhooks.receive(req.rawBody, signature);
  }
}

/** White label: the tenant's product name instead of Plugboard's (Enterprise). */
@ApiTags('billing')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/branding')
export class BrandingController {
  constructor(private readonly branding: Branding) {}

  @Get()
  @ApiOperation({ summary: 'The product name this tenant set, and the one its people see now (Plugboard without white label)' })
  get(): Promise<BrandingView> {
    return this.branding.view();
  }

  @Put()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Show this product name instead of Plugboard in alert and workflow messages and the admin panel (needs white label: 402 otherwise)' })
  set(@Body() dto: BrandingDto): Promise<BrandingView> {
    return this.branding.set(dto.productName);
  }

  @Delete()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Back to Plugboard\'s name' })
  clear(): Promise<BrandingView> {
    return this.branding.clear();
  }
}

export const billingControllers = [BillingController, BillingWebhookController, BrandingController];
