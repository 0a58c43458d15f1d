import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { PlanLimits, type PlanId } from './plans';
import { Tenant } from './tenant.entity';

export interface TenantSummary {
  id: string;
  plan: PlanId;
  status: Tenant['status'];
  /** API requests per minute */
  rateLimit: number;
}

const TTL_MS = 5_000;

/**
 * What the gateway needs of a tenant on every request, cached briefly so authentication does not
 * cost a query; a plan change reaches the limiter within TTL_MS, or at once in the process that made it.
 */
@Injectable()
export class TenantDirectory {
  private readonly cache = new Map<string, { value: TenantSummary | null; at: number }>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
    @Optional() private readonly plans?: PlanLimits,
  ) {}

  async get(id: string): Promise<TenantSummary | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const t = await this.dataSource.manager.findOne(Tenant, { where: { id } });
    const value = t ? { id: t.id, plan: t.plan, status: t.status, rateLimit: t.rateLimitOverride ?? (await this.planRate(t.plan)) } : null;
    this.cache.set(id, { value, at: Date.now() });
    return value;
  }

  /** Without a plan table (a bare core) a tenant is held to the anonymous budget: the safe side. */
  private planRate(plan: PlanId): Promise<number> {
    return this.plans ? this.plans.apiRateLimit(plan) : Promise.resolve(this.config.UNAUTHENTICATED_RATE_LIMIT);
  }

  invalidate(id: string): void {
    this.cache.delete(id);
  }
}
