import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';
import type { SyncMode } from './sync-run.entity';

/** A recurring run of one connection's entity; the Bull repeatable job is derived from this row. */
@Entity('sync_schedules')
export class SyncSchedule extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  entity: string;

  @Column('text')
  cron: string;

  @Column('text')
  mode: SyncMode;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
