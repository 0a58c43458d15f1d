import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PlanId } from '../core/tenancy';
import { BillingPlan } from './billing-plan.entity';

const TTL_MS = 10_000;

/**
 * The plan table, read through a short cache: it is asked on every rate-limit lookup and entitlement
 * check, and an operator's change to a row reaches every process within TTL_MS.
 */
@Injectable()
export class PlanCatalog {
  private cached: { plans: BillingPlan[]; at: number } | null = null;

  constructor(private readonly dataSource: DataSource) {}

  /** Every plan, cheapest first. */
  async list(): Promise<BillingPlan[]> {
    if (this.cached && Date.now() - this.cached.at < TTL_MS) return this.cached.plans;
    const plans = await this.dataSource.manager.find(BillingPlan, { order: { rank: 'ASC' } });
    this.cached = { plans, at: Date.now() };
    return plans;
  }

  async get(id: PlanId): Promise<BillingPlan> {
    const plan = (await this.list()).find((p) => p.id === id);
    if (!plan) throw new NotFoundException(`no plan ${id}`);
    return plan;
  }

  /** Forgets the cached table, so an operator's edit applies at once in this process. */
  invalidate(): void {
    this.cached = null;
  }

  /** Plans above `id`, for "how to upgrade" hints. */
  async above(id: PlanId): Promise<BillingPlan[]> {
    const rank = (await this.get(id)).rank;
    return (await this.list()).filter((p) => p.rank > rank);
  }
}
