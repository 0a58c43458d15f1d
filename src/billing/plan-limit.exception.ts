import { HttpException, HttpStatus } from '@nestjs/common';
import type { PlanId } from '../core/tenancy';

export type LimitedResource = 'connections' | 'users' | 'active_workflows';
export type PlanFeature = 'custom_plugins' | 'white_label';

const LABELS: Record<LimitedResource | PlanFeature | 'synced_records', string> = {
  connections: 'connections',
  users: 'users',
  active_workflows: 'active workflows',
  synced_records: 'synced records per billing period',
  custom_plugins: 'custom plugins',
  white_label: 'white label',
};

/** Where a refused tenant can go next: the plans that would allow it, and how to move. */
export interface UpgradeHint {
  plans: { plan: PlanId; name: string; allowed?: number | null }[];
  how: string;
}

const HOW = 'POST /api/v1/billing/checkout (or POST /api/v1/billing/subscription to change an existing subscription); plans: GET /api/v1/billing/plans';

/**
 * 402 problem+json for work the tenant's plan does not allow, naming the limit, the plan and the way
 * up. Thrown before anything is written, so the request changes nothing.
 */
export class PlanLimitExceededException extends HttpException {
  constructor(
    readonly limit: LimitedResource | PlanFeature | 'synced_records',
    plan: { id: PlanId; name: string },
    readonly allowed: number | null,
    readonly used: number | null,
    upgrade: UpgradeHint['plans'],
  ) {
    const what = LABELS[limit];
    const next = upgrade.length ? ` ${upgrade.map((u) => `${u.name}${u.allowed === undefined ? '' : ` (${u.allowed ?? 'unlimited'})`}`).join(', ')} ${upgrade.length === 1 ? 'allows' : 'allow'} more.` : '';
    const detail = allowed === null
      ? `the ${plan.name} plan does not include ${what}.${next} Upgrade with ${HOW}`
      : `the ${plan.name} plan allows ${allowed} ${what} and this tenant ${limit === 'synced_records' ? 'has used' : 'has'} ${used}.${next} Upgrade with ${HOW}`;
    super({ message: detail, limit, plan: plan.id, allowed, used, upgrade: { plans: upgrade, how: HOW } satisfies UpgradeHint }, HttpStatus.PAYMENT_REQUIRED);
  }
}
