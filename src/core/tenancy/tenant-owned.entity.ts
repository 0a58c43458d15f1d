import { Column, Index } from 'typeorm';

/**
 * Base of every table that belongs to one tenant. Rows of such entities are read and written only
 * through TenantDb, which adds the tenant of the current request or job to every query.
 */
export abstract class TenantOwnedEntity {
  @Index()
  @Column('uuid', { name: 'tenant_id' })
  tenantId: string;
}
