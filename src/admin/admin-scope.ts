import { Injectable, NotFoundException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RequestContext, TenantDirectory, type Principal } from '../core/tenancy';
import type { AdminSession } from './session/admin-sessions.service';

/** Which tenants a page shows: one, or (operators only) all of them. */
export interface AdminScope {
  /** null: every tenant */
  tenantId: string | null;
}

export type AdminRequest = FastifyRequest & {
  adminSession?: AdminSession;
  /** the tenant an admin action acted in, for the audit entry */
  adminTenantId?: string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID.test(v);
}

/** An id from a path: anything but a uuid is "not found", as an unknown id is. */
export function uuidOr404(v: string, what: string): string {
  if (!isUuid(v)) throw new NotFoundException(`no ${what} ${v}`);
  return v;
}

/** An owner is held to their tenant whatever they ask for; an operator may narrow the view to one. */
export function scopeOf(session: AdminSession, requestedTenant?: unknown): AdminScope {
  if (session.role === 'owner') return { tenantId: session.tenantId };
  return { tenantId: isUuid(requestedTenant) ? requestedTenant : null };
}

/**
 * Runs a panel action inside a tenant's context, so the tenant-scoped services of the integration
 * areas work unchanged (and check ownership again through TenantDb). An owner acting outside their
 * tenant gets the same 404 as for an unknown id.
 */
@Injectable()
export class AdminTenantContext {
  constructor(private readonly context: RequestContext, private readonly tenants: TenantDirectory) {}

  async run<T>(req: AdminRequest, tenantId: string, fn: () => Promise<T>): Promise<T> {
    const session = req.adminSession!;
    const tenant = await this.tenants.get(tenantId);
    if (!tenant || (session.role === 'owner' && session.tenantId !== tenantId)) throw new NotFoundException(`no tenant ${tenantId}`);
    req.adminTenantId = tenantId;
    const principal: Principal = session.role === 'owner'
      ? { kind: 'user', tenantId, actorId: session.actorId, role: 'owner', scopes: ['read', 'write', 'admin'], plan: tenant.plan, rateLimit: tenant.rateLimit }
      : { kind: 'system', tenantId, actorId: `operator:${session.actorId}`, role: 'owner', scopes: ['read', 'write', 'admin'], plan: tenant.plan, rateLimit: 0 };
    return this.context.runAsTenant(principal, fn, String(req.id));
  }
}
