import { Injectable } from '@nestjs/common';
import { ValidationFailedException } from '../../core/http';
import { TenantDb } from '../../core/tenancy';
import { AlertRule } from '../entities/alert-rule.entity';
import { ALERT_TYPES, DEFAULT_RULES, defaultParams, paramProblems, type AlertType, type RuleParams, type Severity } from './alert-types';

/** A rule as it applies to the current tenant: the default, with the tenant's changes on top. */
export interface EffectiveRule {
  type: AlertType;
  enabled: boolean;
  severity: Severity;
  params: RuleParams;
  /** false once the tenant changed anything */
  isDefault: boolean;
  description: string;
}

export interface RuleChange {
  enabled?: boolean;
  severity?: Severity;
  params?: Record<string, unknown>;
}

/** The tenant-tunable alert rules: defaults in code (alert-types.ts), the tenant's changes in alert_rules. */
@Injectable()
export class AlertRulesService {
  constructor(private readonly db: TenantDb) {}

  async all(): Promise<Record<AlertType, EffectiveRule>> {
    const overrides = new Map((await this.db.repo(AlertRule).find()).map((r) => [r.type, r]));
    return Object.fromEntries(ALERT_TYPES.map((t) => [t, effective(t, overrides.get(t))])) as Record<AlertType, EffectiveRule>;
  }

  async get(type: AlertType): Promise<EffectiveRule> {
    return effective(type, (await this.db.repo(AlertRule).findOne({ type })) ?? undefined);
  }

  /** Changes the tenant's rule (only what is given); the other params keep their current values. */
  async change(type: AlertType, change: RuleChange): Promise<EffectiveRule> {
    const problems = paramProblems(type, change.params ?? {});
    if (problems.length) throw new ValidationFailedException(problems);
    const repo = this.db.repo(AlertRule);
    const current = await repo.findOne({ type });
    const next = {
      enabled: change.enabled ?? current?.enabled ?? true,
      severity: change.severity ?? current?.severity ?? DEFAULT_RULES[type].severity,
      params: { ...(current?.params ?? {}), ...(change.params as RuleParams | undefined) },
    };
    if (current) await repo.update({ id: current.id }, next);
    else await repo.insert({ type, ...next });
    return this.get(type);
  }

  async reset(type: AlertType): Promise<EffectiveRule> {
    await this.db.repo(AlertRule).delete({ type });
    return this.get(type);
  }
}

function effective(type: AlertType, override: AlertRule | undefined): EffectiveRule {
  const spec = DEFAULT_RULES[type];
  return {
    type,
    enabled: override?.enabled ?? true,
    severity: override?.severity ?? spec.severity,
    params: { ...defaultParams(type), ...(override?.params ?? {}) },
    isDefault: !override,
    description: spec.description,
  };
}
