import type { DatabaseSchema } from '../core/database';
import { BillingAccount } from './billing-account.entity';
import { BillingEvent } from './billing-event.entity';
import { BillingPlan } from './billing-plan.entity';
import { Billing1764600000000 } from './migrations/1764600000000-billing.migration';
import { UsageCounter, UsageReport } from './usage.entity';

/** Billing's tables; listed by src/app/schema.ts. */
export const billingSchema: DatabaseSchema = {
  entities: [BillingPlan, BillingAccount, BillingEvent, UsageCounter, UsageReport],
  migrations: [Billing1764600000000],
};
