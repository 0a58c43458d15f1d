import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

/** Per connection and entity: the modified-since high-water mark of the last successful run. */
@Entity('sync_state')
export class SyncState extends TenantOwnedEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @PrimaryColumn('text')
  entity: string;

  @Column('timestamptz', { name: 'high_water' })
  highWater: Date;

  @Column('uuid', { name: 'last_run_id', nullable: true })
  lastRunId: string | null;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
