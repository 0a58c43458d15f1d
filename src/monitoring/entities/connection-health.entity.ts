import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

export type CheckStatus = 'up' | 'down' | 'auth_expired';
export type CircuitState = 'open' | 'half_open' | 'closed';

/** The latest health of one connection: its last scheduled check and the circuit state any process reported. */
@Entity('connection_health')
export class ConnectionHealth extends TenantOwnedEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  plugin: string;

  @Column('text', { name: 'check_status', nullable: true })
  checkStatus: CheckStatus | null;

  @Column('timestamptz', { name: 'last_check_at', nullable: true })
  lastCheckAt: Date | null;

  @Column('timestamptz', { name: 'last_ok_at', nullable: true })
  lastOkAt: Date | null;

  @Column('integer', { name: 'last_latency_ms', nullable: true })
  lastLatencyMs: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('integer', { name: 'consecutive_failures' })
  consecutiveFailures: number;

  @Column('integer', { name: 'checks_total' })
  checksTotal: number;

  @Column('text')
  circuit: CircuitState;

  @Column('timestamptz', { name: 'circuit_changed_at', nullable: true })
  circuitChangedAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
