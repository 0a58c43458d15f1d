import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One mutating request. tenant_id is null for requests made before a tenant is known (a failed login). */
@Entity('audit_log')
@Index(['tenantId', 'createdAt'])
export class AuditEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId: string | null;

  @Column('text', { name: 'actor_type' })
  actorType: 'user' | 'api_key' | 'operator' | 'anonymous';

  @Column('text', { name: 'actor_id', nullable: true })
  actorId: string | null;

  @Column('text')
  method: string;

  @Column('text')
  route: string;

  @Column('integer')
  status: number;

  @Column('integer', { name: 'duration_ms' })
  durationMs: number;

  @Column('text', { name: 'request_id' })
  requestId: string;

  @Column('text', { nullable: true })
  ip: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
