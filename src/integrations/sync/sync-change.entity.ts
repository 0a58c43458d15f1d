import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

export type ChangeOp = 'added' | 'updated' | 'deleted';

/** The change log: one row per record a run added, updated or deleted; its id is the feed's cursor. */
@Entity('sync_changes')
export class SyncChange extends TenantOwnedEntity {
  @PrimaryColumn('bigint')
  id: string;

  @Column('uuid', { name: 'run_id', nullable: true })
  runId: string | null;

  @Column('bigint', { name: 'record_id' })
  recordId: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  entity: string;

  @Column('text')
  model: string;

  @Column('text', { name: 'external_id' })
  externalId: string;

  @Column('text')
  op: ChangeOp;

  @Column('timestamptz')
  at: Date;
}
