import type { Principal } from '../core/tenancy';

/** Monitoring acting for a tenant outside any request: scheduled checks, event handlers, notifications. */
export function monitoringPrincipal(tenantId: string): Principal {
  return { kind: 'system', tenantId, actorId: 'monitoring', role: 'admin', scopes: ['read', 'write'], plan: 'free', rateLimit: 0 };
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}
