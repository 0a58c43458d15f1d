import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PlanId } from './plans';

/** What a white-label tenant shows its people instead of Plugboard's name. */
export interface TenantBranding {
  productName: string;
}

@Entity('tenants')
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { unique: true })
  slug: string;

  @Column('text', { default: 'free' })
  plan: PlanId;

  /** A negotiated limit that replaces the plan's API rate (requests per minute). */
  @Column('integer', { name: 'rate_limit_override', nullable: true })
  rateLimitOverride: number | null;

  @Column('text', { default: 'active' })
  status: 'active' | 'suspended';

  /** kept whatever the plan; shown only while the plan includes white label */
  @Column('jsonb', { nullable: true })
  branding: TenantBranding | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
