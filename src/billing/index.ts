import type { StripeBillingSimulator } from './simulator/stripe-billing.simulator';

export { BillingModule } from './billing.module';
export { BillingWorkerModule } from './billing-worker.module';
export { billingControllers, BillingController, BillingWebhookController, BrandingController, type PlanView } from './billing.controller';
export { Branding, PLUGBOARD_NAME, type BrandingView } from './branding.service';
export { billingSchema } from './billing.schema';
export { Entitlements, type LimitedResourceProvider, type Allowance, type UsageView, type EnforcementResult } from './entitlements.service';
export { PlanLimitExceededException, type LimitedResource, type PlanFeature } from './plan-limit.exception';
export { PlanCatalog } from './plan-catalog.service';
export { PlanSync, type PlanSyncLine } from './plan-sync.service';
export { BillingService, type SubscriptionView, type InvoiceView } from './billing.service';
export { BillingAccounts } from './billing-accounts.service';
export { BillingSweeper } from './billing-sweeper.service';
export { BillingGateway, BillingNotConfiguredException } from './billing-gateway';
export { BillingAccount, type BillingInterval } from './billing-account.entity';
export { BillingPlan } from './billing-plan.entity';
export type { Meter } from './usage.entity';

/** Where Stripe delivers billing events (BillingWebhookController). */
export const BILLING_WEBHOOK_PATH = '/webhooks/stripe-billing';

/** Starts the billing simulator (for `plugboard demo`); loaded on demand so a server never loads it. */
export async function startBillingSimulator(): Promise<StripeBillingSimulator> {
  return (await import('./simulator/stripe-billing.simulator.js')).startStripeBillingSimulator();
}
