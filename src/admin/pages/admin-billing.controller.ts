import { Get, HttpException, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { BillingGateway, BillingService, Entitlements, PlanCatalog } from '../../billing';
import { AdminController, cursorText, readQuery } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import type { AdminRequest } from '../admin-scope';
import { messageOf } from '../admin-errors';
import { TenantsQuery } from '../queries/tenants.query';
import { TenantSections } from '../tenant-sections.service';
import { usageRows } from '../views/usage-rows';

/**
 * Billing: the plans; for operators every tenant's plan and subscription state; for one tenant its
 * subscription, usage against the plan's limits and invoices (the billing area's own services; the
 * invoices come from the payment provider, so a page without billing configured says so instead).
 */
@AdminController('admin/billing')
export class AdminBillingController {
  constructor(
    private readonly pages: AdminPages,
    private readonly sections: TenantSections,
    private readonly tenants: TenantsQuery,
    private readonly catalog: PlanCatalog,
    private readonly billing: BillingService,
    private readonly gateway: BillingGateway,
    private readonly entitlements: Entitlements,
  ) {}

  @Get()
  async page(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ tenant: z.string(), cursor: cursorText }, query);
    const plans = await this.catalog.list();
    const tenantId = this.sections.chosen(req, q.tenant);
    if (!tenantId) {
      const [page, perPlan] = await Promise.all([this.tenants.billing(q.cursor), this.tenants.perPlan()]);
      await this.pages.page(req, reply, 'billing', { title: 'Billing', section: 'billing', plans: plans.map((p) => ({ ...p, tenants: perPlan[p.id] ?? 0 })), page, q });
      return;
    }
    const tenant = await this.tenants.get(tenantId);
    const data = await this.sections.run(req, tenantId, async () => ({
      usage: await this.entitlements.view(),
      subscription: this.gateway.enabled ? await explained(() => this.billing.subscription()) : { unavailable: 'Billing is not configured on this server (STRIPE_SECRET_KEY is not set): the tenant stays on its stored plan.' },
      invoices: this.gateway.enabled ? await explained(() => this.billing.invoices({ limit: 12 })) : null,
    }));
    await this.pages.page(req, reply, 'billing-tenant', {
      title: `Billing of ${tenant.name}`, section: 'billing', tenant, plans,
      limits: usageRows(data.usage), ...data,
    });
  }
}

/** A call to the payment provider whose refusal (503, 502) becomes a sentence on the page rather than an error page. */
async function explained<T>(fn: () => Promise<T>): Promise<T | { unavailable: string }> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof HttpException && e.getStatus() >= 500) return { unavailable: messageOf(e) };
    throw e;
  }
}
