import type { DataSource } from 'typeorm';
import { Tenant, type Principal } from '../core/tenancy';
import { UnknownNameError } from './name-suggestion';

/** Finds a tenant by id or slug, the two ways an operator names one on the command line; a typo gets a suggestion. */
export async function findTenant(dataSource: DataSource, idOrSlug: string): Promise<Tenant> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const tenant = await dataSource.manager.findOne(Tenant, { where: isUuid ? { id: idOrSlug } : { slug: idOrSlug } });
  if (tenant) return tenant;
  const slugs = (await dataSource.manager.find(Tenant, { select: { slug: true }, order: { slug: 'ASC' } })).map((t) => t.slug);
  throw new UnknownNameError('tenant', idOrSlug, slugs);
}

/** The tenants a command acts on: the one named, or every active one. */
export async function tenantsInScope(dataSource: DataSource, idOrSlug: string | undefined): Promise<Tenant[]> {
  if (idOrSlug) return [await findTenant(dataSource, idOrSlug)];
  return dataSource.manager.find(Tenant, { where: { status: 'active' }, order: { createdAt: 'ASC' } });
}

/**
 * The CLI acts inside a tenant as the system, with an owner's reach, so tenant-scoped services work unchanged.
 * No API rate limit applies to it (0, as for other system principals).
 */
export function cliPrincipal(tenant: Tenant): Principal {
  return {
    kind: 'system', tenantId: tenant.id, actorId: 'cli', role: 'owner', scopes: ['read', 'write', 'admin'],
    plan: tenant.plan, rateLimit: 0,
  };
}
