import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestContext } from '../core/tenancy';
import { BillingAccount } from './billing-account.entity';
import { BillingAccounts, billingPrincipal } from './billing-accounts.service';
import { BillingGateway } from './billing-gateway';
import { UsageMeter } from './usage-meter.service';
import { UsageCounter, UsageReport } from './usage.entity';

export interface SweepResult {
  tenants: number;
  failed: number;
}

/**
 * Billing's periodic work across tenants, each done inside its tenant's context: a grace period that
 * ran out moves the tenant to Free, an enforcement a crash interrupted is finished, and unreported
 * usage goes to Stripe. Every step is idempotent, so overlapping sweeps (two workers) are harmless.
 */
@Injectable()
export class BillingSweeper {
  private readonly log = new Logger(BillingSweeper.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly accounts: BillingAccounts,
    private readonly usage: UsageMeter,
    private readonly gateway: BillingGateway,
  ) {}

  async run(now = new Date()): Promise<SweepResult> {
    const tenants = await this.dueTenants(now);
    let failed = 0;
    for (const tenantId of tenants) {
      try {
        await this.context.runAsTenant(billingPrincipal(tenantId), async () => {
          await this.accounts.reconcile(now);
          await this.usage.report();
        });
      } catch (e) {
        // one tenant's trouble (the provider refusing its usage, say) must not hold up the others
        failed++;
        this.log.warn(`billing sweep of tenant ${tenantId} failed: ${(e as Error).message}`);
      }
    }
    return { tenants: tenants.length, failed };
  }

  /** Tenants with something to do: a grace period over, a plan not yet enforced, usage not yet reported. */
  private async dueTenants(now: Date): Promise<string[]> {
    const m = this.dataSource.manager;
    const accounts = await m.createQueryBuilder(BillingAccount, 'a')
      .innerJoin('tenants', 't', 't.id = a.tenant_id')
      .select('a.tenant_id', 'tenantId')
      .where('a.subscription_id IS NOT NULL')
      .andWhere(`((a.grace_ends_at <= :now AND t.plan <> 'free') OR a.enforced_plan IS DISTINCT FROM t.plan)`, { now })
      .getRawMany<{ tenantId: string }>();
    const ids = new Set(accounts.map((r) => r.tenantId));
    if (this.gateway.enabled) {
      const counters = await m.createQueryBuilder(UsageCounter, 'u').select('DISTINCT u.tenant_id', 'tenantId').where('u.quantity > u.reported').getRawMany<{ tenantId: string }>();
      const unsent = await m.createQueryBuilder(UsageReport, 'r').select('DISTINCT r.tenant_id', 'tenantId').where('r.sent_at IS NULL').getRawMany<{ tenantId: string }>();
      for (const r of [...counters, ...unsent]) ids.add(r.tenantId);
    }
    return [...ids];
  }
}
