import type { DataSource } from 'typeorm';
import { PLAN_RATE_LIMITS, Tenant, type Principal } from '../core/tenancy';

/** Finds a tenant by id or slug, the two ways an operator names one on the command line. */
export async function findTenant(dataSource: DataSource, idOrSlug: string): Promise<Tenant> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const tenant = await dataSource.manager.findOne(Tenant, { where: isUuid ? { id: idOrSlug } : { slug: idOrSlug } });
  if (!tenant) throw new Error(`no tenant ${idOrSlug}`);
  return tenant;
}

/** The CLI acts inside a tenant as the system, with an owner's reach, so tenant-scoped services work unchanged. */
export function cliPrincipal(tenant: Tenant): Principal {
  return {
    kind: 'system', tenantId: tenant.id, actorId: 'cli', role: 'owner', scopes: ['read', 'write', 'admin'],
    plan: tenant.plan, rateLimit: tenant.rateLimitOverride ?? PLAN_RATE_LIMITS[tenant.plan],
  };
}
