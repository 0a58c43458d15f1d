import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';
import type { AlertType, RuleParams, Severity } from '../alerts/alert-types';

/** A tenant's tuning of one alert type's default rule; without a row the default applies. */
@Entity('alert_rules')
export class AlertRule extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  type: AlertType;

  @Column('boolean')
  enabled: boolean;

  @Column('text')
  severity: Severity;

  /** only the parameters the tenant changed; the rest keep their defaults */
  @Column('jsonb')
  params: RuleParams;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
