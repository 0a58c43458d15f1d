import { Injectable } from '@nestjs/common';
import { basename } from 'node:path';
import { DataSource } from 'typeorm';
import { PluginRegistry } from '../core/plugin-host';
import { PlanLimits, RequestContext, Tenant, type PlanId } from '../core/tenancy';
import type { BillingPlan } from './billing-plan.entity';
import { PlanCatalog } from './plan-catalog.service';
import { PlanLimitExceededException, type LimitedResource, type PlanFeature } from './plan-limit.exception';
import { UsageMeter } from './usage-meter.service';
import type { Meter } from './usage.entity';

/**
 * An area's resource that plans limit. The area owning it registers it, and billing counts it
 * and, when the plan changes, pauses (never deletes) or resumes it. All calls run in a tenant's context.
 */
export interface LimitedResourceProvider {
  /** how many the current tenant has in use (paused ones do not count) */
  count(): Promise<number>;
  /** pauses the current tenant's items beyond the first `keep`, oldest kept; returns how many it paused */
  pauseBeyond?(keep: number, reason: string): Promise<number>;
  /** resumes items billing paused while fewer than `limit` are in use (null: no limit); returns how many */
  resumePaused?(limit: number | null): Promise<number>;
}

export interface Allowance {
  used: number;
  /** null: unlimited */
  limit: number | null;
  remaining: number | null;
}

export interface UsageView {
  plan: PlanId;
  period: { start: Date };
  limits: Record<LimitedResource | 'synced_records', Allowance>;
  metered: Record<Meter, number>;
  features: Record<PlanFeature, boolean>;
}

/** What pausing and resuming did, per resource. */
export type EnforcementResult = Partial<Record<LimitedResource, { paused: number; resumed: number }>>;

const LIMITED: readonly LimitedResource[] = ['connections', 'users', 'active_workflows'];

const LIMIT_OF: Record<LimitedResource | 'synced_records', (p: BillingPlan) => number | null> = {
  connections: (p) => p.maxConnections,
  users: (p) => p.maxUsers,
  active_workflows: (p) => p.maxActiveWorkflows,
  synced_records: (p) => p.includedSyncedRecords,
};

const FEATURE_OF: Record<PlanFeature, (p: BillingPlan) => boolean> = {
  custom_plugins: (p) => p.customPlugins,
  white_label: (p) => p.whiteLabel,
};

/**
 * One answer to "may this tenant do X, and how much is left", from the tenant's plan in the plan
 * table. Connections, users, workflows and the sync engine ask it; so does the rate limiter (through
 * the core's PlanLimits). Everything works on the current tenant of the request or job.
 */
@Injectable()
export class Entitlements extends PlanLimits {
  private readonly resources = new Map<LimitedResource, LimitedResourceProvider>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly catalog: PlanCatalog,
    private readonly usage: UsageMeter,
    private readonly plugins: PluginRegistry,
  ) {
    super();
  }

  /** Called by the area that owns a resource, once at start-up. */
  register(resource: LimitedResource, provider: LimitedResourceProvider): void {
    this.resources.set(resource, provider);
  }

  async apiRateLimit(plan: PlanId): Promise<number> {
    return (await this.catalog.get(plan)).apiRateLimit;
  }

  /** The current tenant's plan, as stored now (billing writes it; no cache, so a change applies to the next check). */
  async plan(): Promise<BillingPlan> {
    const t = await this.dataSource.manager.findOne(Tenant, { where: { id: this.context.tenantId }, select: { id: true, plan: true } });
    return this.catalog.get(t?.plan ?? 'free');
  }

  async allowance(resource: LimitedResource | 'synced_records'): Promise<Allowance> {
    const plan = await this.plan();
    return this.allowanceOn(plan, resource);
  }

  /** Throws the 402 problem when `adding` more would pass the plan's limit. */
  async assertCanAdd(resource: LimitedResource, adding = 1): Promise<void> {
    const plan = await this.plan();
    const a = await this.allowanceOn(plan, resource);
    if (a.limit !== null && a.used + adding > a.limit) throw await this.refusal(plan, resource, a);
  }

  /**
   * Runs `add` only if the plan has room for one more, holding a per-tenant, per-resource lock from
   * the check until `add` finishes, so two concurrent additions cannot both take the last place.
   */
  withinLimit<T>(resource: LimitedResource, add: () => Promise<T>): Promise<T> {
    const key = `plan-limit:${this.context.tenantId}:${resource}`;
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      await this.assertCanAdd(resource);
      return add();
    });
  }

  async hasFeature(feature: PlanFeature): Promise<boolean> {
    return FEATURE_OF[feature](await this.plan());
  }

  async assertFeature(feature: PlanFeature): Promise<void> {
    const plan = await this.plan();
    if (FEATURE_OF[feature](plan)) return;
    const upgrade = (await this.catalog.above(plan.id)).filter(FEATURE_OF[feature]).map((p) => ({ plan: p.id, name: p.name }));
    throw new PlanLimitExceededException(feature, plan, null, null, upgrade);
  }

  /** Connecting a custom plugin (an installed plugboard-plugin-* package, not one shipped with Plugboard) needs the custom_plugins feature. */
  async assertPluginAllowed(pluginName: string): Promise<void> {
    const loaded = this.plugins.loadReport.loaded.find((p) => p.definition.name === pluginName);
    if (loaded && basename(loaded.source).startsWith('plugboard-plugin-')) await this.assertFeature('custom_plugins');
  }

  /** Synced records (or workflow runs) the current tenant may still use this period; null: unlimited. */
  async remaining(meter: 'synced_records'): Promise<number | null> {
    return (await this.allowance(meter)).remaining;
  }

  /** Counts metered usage for the current tenant's billing period (reported to Stripe by the worker). */
  recordUsage(meter: Meter, quantity: number): Promise<void> {
    return this.usage.record(meter, quantity);
  }

  /** The refusal a resource that ran out would get, for callers that pause instead of throwing (the sync engine). */
  async exhausted(resource: LimitedResource | 'synced_records'): Promise<PlanLimitExceededException> {
    const plan = await this.plan();
    return this.refusal(plan, resource, await this.allowanceOn(plan, resource));
  }

  async view(): Promise<UsageView> {
    const plan = await this.plan();
    const limits = {} as UsageView['limits'];
    for (const r of [...LIMITED, 'synced_records'] as const) limits[r] = await this.allowanceOn(plan, r);
    return {
      plan: plan.id,
      period: { start: await this.usage.periodStart() },
      limits,
      metered: { synced_records: limits.synced_records.used, workflow_runs: await this.usage.used('workflow_runs') },
      features: { custom_plugins: plan.customPlugins, white_label: plan.whiteLabel },
    };
  }

  /** Brings the current tenant's work in line with `plan`: what exceeds it is paused, what fits again is resumed. */
  async enforce(plan: PlanId, reason: string): Promise<EnforcementResult> {
    const p = await this.catalog.get(plan);
    const result: EnforcementResult = {};
    for (const [resource, provider] of this.resources) {
      const limit = LIMIT_OF[resource](p);
      const paused = limit !== null && provider.pauseBeyond ? await provider.pauseBeyond(limit, reason) : 0;
      const resumed = provider.resumePaused ? await provider.resumePaused(limit) : 0;
      if (paused || resumed) result[resource] = { paused, resumed };
    }
    return result;
  }

  private async allowanceOn(plan: BillingPlan, resource: LimitedResource | 'synced_records'): Promise<Allowance> {
    const used = resource === 'synced_records' ? await this.usage.used('synced_records') : ((await this.resources.get(resource)?.count()) ?? 0);
    const limit = LIMIT_OF[resource](plan);
    return { used, limit, remaining: limit === null ? null : Math.max(0, limit - used) };
  }

  private async refusal(plan: BillingPlan, resource: LimitedResource | 'synced_records', a: Allowance): Promise<PlanLimitExceededException> {
    const upgrade = (await this.catalog.above(plan.id))
      .filter((p) => { const l = LIMIT_OF[resource](p); return l === null || l > (a.limit ?? 0); })
      .map((p) => ({ plan: p.id, name: p.name, allowed: LIMIT_OF[resource](p) }));
    return new PlanLimitExceededException(resource, plan, a.limit, a.used, upgrade);
  }
}
