import { Global, Module, OnModuleInit } from '@nestjs/common';
import { UsersService } from '../core/auth';
import { PlanLimits } from '../core/tenancy';
import { BillingAccounts } from './billing-accounts.service';
import { BillingGateway } from './billing-gateway';
import { BillingSweeper } from './billing-sweeper.service';
import { BillingWebhooks } from './billing-webhooks.service';
import { Branding } from './branding.service';
import { BillingService } from './billing.service';
import { Entitlements } from './entitlements.service';
import { PlanCatalog } from './plan-catalog.service';
import { PlanSync } from './plan-sync.service';
import { StripeClientFactory } from './stripe-client.factory';
import { UsageMeter } from './usage-meter.service';

/**
 * Plugboard's own plans and billing (issue 5). Global and imported by every process root: the
 * entitlements it provides are asked by the rate limiter, connections, users, workflows and the sync
 * engine wherever they run. The API root mounts `billingControllers`; workers add BillingWorkerModule.
 */
@Global()
@Module({
  providers: [
    StripeClientFactory, BillingGateway, PlanCatalog, UsageMeter, Entitlements, BillingAccounts, BillingService, BillingWebhooks, PlanSync, BillingSweeper, Branding,
    { provide: PlanLimits, useExisting: Entitlements },
  ],
  exports: [Entitlements, Branding, PlanLimits, PlanCatalog, BillingGateway, BillingAccounts, BillingService, BillingWebhooks, PlanSync, BillingSweeper, UsageMeter],
})
export class BillingModule implements OnModuleInit {
  constructor(private readonly entitlements: Entitlements, private readonly users: UsersService) {}

  /** Users live in the core, which does not know billing: billing registers them as a limited resource. */
  onModuleInit(): void {
    this.entitlements.register('users', {
      count: () => this.users.countActive(),
      pauseBeyond: (keep, reason) => this.users.pauseBeyond(keep, reason),
      resumePaused: (limit) => this.users.resumePaused(limit),
    });
  }
}
