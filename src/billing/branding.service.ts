import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestContext, Tenant } from '../core/tenancy';
import { Entitlements } from './entitlements.service';

/** The name shown where a tenant has not branded Plugboard, or its plan does not allow it. */
export const PLUGBOARD_NAME = 'Plugboard';

export interface BrandingView {
  /** what the tenant set (kept on a plan without white label, but not shown) */
  productName: string | null;
  /** what its people see now */
  shownName: string;
  whiteLabel: boolean;
}

/**
 * White label (an Enterprise feature): the tenant's product name instead of Plugboard's in what its
 * people receive (alert and workflow messages, the e-mail sender's name) and in its view of the admin
 * panel. Setting it needs the feature; a plan that loses it keeps the setting and shows Plugboard.
 */
@Injectable()
export class Branding {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly entitlements: Entitlements,
  ) {}

  /** The name `tenantId`'s people see, by its plan now. */
  async nameOf(tenantId: string): Promise<string> {
    const [row] = await this.dataSource.query<{ name: string | null; white_label: boolean }[]>(
      `SELECT t.branding ->> 'productName' AS name, p.white_label FROM tenants t JOIN billing_plans p ON p.id = t.plan WHERE t.id = $1`,
      [tenantId],
    );
    return row?.white_label && row.name ? row.name : PLUGBOARD_NAME;
  }

  async view(): Promise<BrandingView> {
    const t = await this.dataSource.manager.findOneOrFail(Tenant, { where: { id: this.context.tenantId }, select: { id: true, branding: true } });
    const whiteLabel = await this.entitlements.hasFeature('white_label');
    return { productName: t.branding?.productName ?? null, shownName: whiteLabel && t.branding ? t.branding.productName : PLUGBOARD_NAME, whiteLabel };
  }

  /** Refused (402, naming the feature and the plans that have it) without white label; nothing is stored then. */
  async set(productName: string): Promise<BrandingView> {
    await this.entitlements.assertFeature('white_label');
    await this.dataSource.manager.update(Tenant, { id: this.context.tenantId }, { branding: { productName } });
    return this.view();
  }

  async clear(): Promise<BrandingView> {
    await this.dataSource.manager.update(Tenant, { id: this.context.tenantId }, { branding: null });
    return this.view();
  }
}
