import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PlanId } from './plans';

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
