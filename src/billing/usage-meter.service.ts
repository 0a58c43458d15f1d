import { Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { RequestContext, TenantDb } from '../core/tenancy';
import { BillingAccount } from './billing-account.entity';
import { BillingGateway } from './billing-gateway';
import { usagePeriodStart } from './billing-state';
import { UsageReport, type Meter } from './usage.entity';

/** The Stripe Billing meter each usage meter reports to (created by `plugboard billing sync-plans`). */
export const METER_EVENT_NAMES: Readonly<Record<Meter, string>> = {
  synced_records: 'plugboard_synced_records',
  workflow_runs: 'plugboard_workflow_runs',
};

/**
 * Metered usage: counted per tenant per billing period in Postgres, and reported to Stripe in
 * batches. A batch is written down (and the counter advanced) before it is sent, with its id as the
 * meter event's identifier and idempotency key: a crash after Stripe took it and before we noted
 * that makes the next run send the same batch again, which Stripe does not count twice.
 */
@Injectable()
export class UsageMeter {
  private readonly log = new Logger(UsageMeter.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly gateway: BillingGateway,
  ) {}

  /** The current tenant's billing period start. */
  async periodStart(now = new Date()): Promise<Date> {
    return usagePeriodStart(await this.db.repo(BillingAccount).findOne({}), now);
  }

  /** Adds usage to the current tenant's counter for this period. */
  async record(meter: Meter, quantity: number): Promise<void> {
    if (quantity <= 0) return;
    await this.dataSource.query(
      `INSERT INTO billing_usage (tenant_id, meter, period_start, quantity) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, meter, period_start) DO UPDATE SET quantity = billing_usage.quantity + EXCLUDED.quantity`,
      [this.context.tenantId, meter, await this.periodStart(), quantity],
    );
  }

  /** The current tenant's usage of a meter in this period. */
  async used(meter: Meter): Promise<number> {
    const [row] = await this.dataSource.query<{ quantity: string }[]>(
      'SELECT quantity FROM billing_usage WHERE tenant_id = $1 AND meter = $2 AND period_start = $3',
      [this.context.tenantId, meter, await this.periodStart()],
    );
    return row ? Number(row.quantity) : 0;
  }

  /** Reports the current tenant's unreported usage; returns how many batches Stripe took. Needs a customer. */
  async report(): Promise<number> {
    if (!this.gateway.enabled) return 0;
    const account = await this.db.repo(BillingAccount).findOne({});
    if (!account?.customerId) return 0;
    await this.batchUnreported();
    const pending = await this.db.repo(UsageReport).find({ sentAt: IsNull() }, { order: { createdAt: 'ASC' } });
    for (const r of pending) {
      await this.send(account.customerId, r);
      await this.db.repo(UsageReport).update({ id: r.id }, { sentAt: new Date() });
    }
    return pending.length;
  }

  /** Turns each counter's unreported quantity into a batch, in one transaction with advancing the counter. */
  private batchUnreported(): Promise<void> {
    const tenantId = this.context.tenantId;
    return this.dataSource.transaction(async (m) => {
      // SKIP LOCKED: another worker batching the same counter right now will report it
      const counters = await m.query<{ id: string; meter: Meter; period_start: Date; quantity: string; reported: string }[]>(
        'SELECT id, meter, period_start, quantity, reported FROM billing_usage WHERE tenant_id = $1 AND quantity > reported FOR UPDATE SKIP LOCKED',
        [tenantId],
      );
      for (const c of counters) {
        await m.query('INSERT INTO billing_usage_reports (tenant_id, meter, period_start, quantity) VALUES ($1, $2, $3, $4)', [tenantId, c.meter, c.period_start, Number(c.quantity) - Number(c.reported)]);
        await m.query('UPDATE billing_usage SET reported = quantity WHERE id = $1 AND tenant_id = $2', [c.id, tenantId]);
      }
    });
  }

  private async send(customerId: string, r: UsageReport): Promise<void> {
    try {
      await this.gateway.call('reporting usage', (s) => s.billing.meterEvents.create(
        { event_name: METER_EVENT_NAMES[r.meter], identifier: r.id, timestamp: Math.floor(r.createdAt.getTime() / 1000), payload: { stripe_customer_id: customerId, value: String(r.quantity) } },
        { idempotencyKey: `usage-${r.id}` },
      ));
    } catch (e) {
      // the batch went out before (its answer was lost): Stripe refuses the identifier a second time
      if (!/identifier/i.test((e as Error).message) || !/already|exists|duplicate/i.test((e as Error).message)) throw e;
      this.log.log(`usage batch ${r.id} was already reported`);
    }
  }
}
