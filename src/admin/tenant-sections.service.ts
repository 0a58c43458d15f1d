import { Injectable, NotFoundException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminPages } from './admin-pages.service';
import { AdminTenantContext, scopeOf, type AdminRequest } from './admin-scope';
import { TenantsQuery } from './queries/tenants.query';

export interface SectionPage {
  /** the template, under views/pages */
  view: string;
  section: string;
  title: string;
  /** the page's path, for the tenant links of the picker */
  path: string;
}

/**
 * Sections whose area answers through tenant-scoped services (webhooks, workflows, alerts, billing):
 * the page is about one tenant, the owner's own or the one an operator chose (`?tenant=`); an
 * operator who has not chosen yet is shown the tenants to choose from. The area's services then run
 * in that tenant's context, unchanged.
 */
@Injectable()
export class TenantSections {
  constructor(private readonly pages: AdminPages, private readonly tenants: TenantsQuery, private readonly tenantContext: AdminTenantContext) {}

  /** The tenant a request is about: an owner's own, or the operator's choice (null: not chosen yet). */
  chosen(req: AdminRequest, requested: unknown): string | null {
    return scopeOf(req.adminSession!, requested).tenantId;
  }

  /** The tenant an action is for (from the form's `tenant` for operators); none is a 404, as an unknown one is. */
  chosenOr404(req: AdminRequest, requested: unknown): string {
    const tenantId = this.chosen(req, requested);
    if (!tenantId) throw new NotFoundException('no tenant chosen');
    return tenantId;
  }

  async show(req: AdminRequest, reply: FastifyReply, query: { tenant?: string; q?: string; cursor?: string }, page: SectionPage, render: () => Promise<Record<string, unknown>>): Promise<void> {
    const tenantId = this.chosen(req, query.tenant);
    if (!tenantId) {
      const tenants = await this.tenants.list({ q: query.q }, query.cursor, 25);
      return this.pages.page(req, reply, 'pick-tenant', { ...page, tenants, q: query });
    }
    const tenant = await this.tenants.get(tenantId);
    const data = await this.run(req, tenantId, render);
    await this.pages.page(req, reply, page.view, { ...page, tenant: { id: tenant.id, name: tenant.name }, ...data });
  }

  /** Runs an area's service in the tenant (404 for an owner asking for another tenant). */
  run<T>(req: AdminRequest, tenantId: string, fn: () => Promise<T>): Promise<T> {
    return this.tenantContext.run(req, tenantId, fn);
  }
}
