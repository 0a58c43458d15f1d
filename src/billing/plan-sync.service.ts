import { Injectable } from '@nestjs/common';
import type { BillingInterval } from './billing-account.entity';
import { BillingGateway } from './billing-gateway';
import type { BillingPlan } from './billing-plan.entity';
import { lookupKey } from './billing-state';
import { PlanCatalog } from './plan-catalog.service';
import { METER_EVENT_NAMES } from './usage-meter.service';

export type SyncAction = 'created' | 'updated' | 'unchanged';

export interface PlanSyncLine {
  kind: 'product' | 'price' | 'meter';
  key: string;
  action: SyncAction;
  id: string;
  detail: string;
}

const INTERVALS: readonly BillingInterval[] = ['month', 'year'];

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;

/**
 * `plugboard billing sync-plans`: makes the payment provider sell what the plan table says. Products
 * have fixed ids (plugboard_<plan>), prices are found by lookup key, meters by event name, so a
 * second run changes nothing. A price whose amount changed is replaced (Stripe prices are immutable):
 * the new one takes the lookup key over and the old one is archived; subscriptions keep their price.
 */
@Injectable()
export class PlanSync {
  constructor(private readonly gateway: BillingGateway, private readonly catalog: PlanCatalog) {}

  async run(): Promise<PlanSyncLine[]> {
    this.gateway.client();
    const out: PlanSyncLine[] = [];
    // Free has nothing to sell
    for (const plan of (await this.catalog.list()).filter((p) => p.monthlyPriceCents > 0)) {
      out.push(await this.product(plan));
      for (const interval of INTERVALS) out.push(await this.price(plan, interval));
    }
    for (const eventName of Object.values(METER_EVENT_NAMES)) out.push(await this.meter(eventName));
    return out;
  }

  private async product(plan: BillingPlan): Promise<PlanSyncLine> {
    const id = `plugboard_${plan.id}`;
    const name = `Plugboard ${plan.name}`;
    const line = (action: SyncAction): PlanSyncLine => ({ kind: 'product', key: id, action, id, detail: name });
    const existing = await this.gateway.call('reading the product', (s) => s.products.retrieve(id).catch((e: { code?: string }) => {
      if (e.code === 'resource_missing') return null;
      throw e;
    }));
    if (!existing) {
      await this.gateway.call('creating the product', (s) => s.products.create({ id, name, metadata: { plugboard_plan: plan.id } }));
      return line('created');
    }
    if (existing.name === name && existing.active && existing.metadata.plugboard_plan === plan.id) return line('unchanged');
    await this.gateway.call('updating the product', (s) => s.products.update(id, { name, active: true, metadata: { plugboard_plan: plan.id } }));
    return line('updated');
  }

  private async price(plan: BillingPlan, interval: BillingInterval): Promise<PlanSyncLine> {
    const key = lookupKey(plan.id, interval);
    const amount = interval === 'month' ? plan.monthlyPriceCents : plan.yearlyPriceCents;
    const detail = `${plan.name}, ${money(amount, plan.currency)} per ${interval}`;
    const product = `plugboard_${plan.id}`;
    const [existing] = (await this.gateway.call('finding the price', (s) => s.prices.list({ lookup_keys: [key], limit: 1 }))).data;
    const same = existing && existing.unit_amount === amount && existing.currency === plan.currency
      && existing.recurring?.interval === interval && (typeof existing.product === 'string' ? existing.product : existing.product.id) === product;
    if (same && existing.active) return { kind: 'price', key, action: 'unchanged', id: existing.id, detail };
    if (same) {
      await this.gateway.call('re-activating the price', (s) => s.prices.update(existing.id, { active: true }));
      return { kind: 'price', key, action: 'updated', id: existing.id, detail };
    }
    const created = await this.gateway.call('creating the price', (s) => s.prices.create({
      product, currency: plan.currency, unit_amount: amount, recurring: { interval }, lookup_key: key, transfer_lookup_key: true,
      nickname: `${plan.name} (${interval}ly)`, metadata: { plugboard_plan: plan.id },
    }));
    if (existing?.active) await this.gateway.call('archiving the old price', (s) => s.prices.update(existing.id, { active: false }));
    return { kind: 'price', key, action: existing ? 'updated' : 'created', id: created.id, detail };
  }

  private async meter(eventName: string): Promise<PlanSyncLine> {
    const meters = await this.gateway.call('listing meters', (s) => s.billing.meters.list({ status: 'active', limit: 100 }));
    const existing = meters.data.find((m) => m.event_name === eventName);
    const detail = 'sum of value per customer';
    if (existing) return { kind: 'meter', key: eventName, action: 'unchanged', id: existing.id, detail };
    const created = await this.gateway.call('creating the meter', (s) => s.billing.meters.create({
      display_name: eventName.replace(/^plugboard_/, 'Plugboard ').replace(/_/g, ' '),
      event_name: eventName,
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
    }));
    return { kind: 'meter', key: eventName, action: 'created', id: created.id, detail };
  }
}
