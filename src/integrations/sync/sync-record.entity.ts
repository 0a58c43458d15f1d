import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

/** One platform record as last synced: raw, mapped to its unified model, and the hash that detects change. */
@Entity('sync_records')
export class SyncRecord extends TenantOwnedEntity {
  /** bigint: pg returns it as a string */
  @PrimaryColumn('bigint')
  id: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  plugin: string;

  @Column('text')
  entity: string;

  @Column('text')
  model: string;

  @Column('text', { name: 'external_id' })
  externalId: string;

  @Column('jsonb')
  raw: unknown;

  @Column('jsonb')
  unified: unknown;

  @Column('bytea', { select: false })
  hash: Buffer;

  @Column('timestamptz', { name: 'remote_updated_at', nullable: true })
  remoteUpdatedAt: Date | null;

  @Column('timestamptz', { name: 'first_seen_at' })
  firstSeenAt: Date;

  @Column('timestamptz', { name: 'last_synced_at' })
  lastSyncedAt: Date;

  /** when the stored content last changed (added, updated or deleted): what modifiedSince filters on */
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
