import type { UsageView } from '../../billing';

/** Each limited resource's use against the plan's limit, for the usage table. */
export function usageRows(usage: UsageView): { resource: string; used: number; limit: number | null; pct: number | null }[] {
  return Object.entries(usage.limits).map(([resource, a]) => ({ resource, used: a.used, limit: a.limit, pct: a.limit ? Math.min(100, Math.round((100 * a.used) / a.limit)) : null }));
}
