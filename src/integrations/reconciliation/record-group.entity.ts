import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

export const GROUP_STATUSES = ['proposed', 'merged', 'kept_apart'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

/** A set of records of one unified model that match on keys; the tenant merges it or keeps it apart. */
@Entity('record_groups')
export class RecordGroup extends TenantOwnedEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  model: string;

  @Column('text')
  status: GroupStatus;

  @Column('text', { name: 'member_key' })
  memberKey: string;

  @Column('real')
  score: number;

  @Column('text', { name: 'decided_by', nullable: true })
  decidedBy: string | null;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

/** One record in a group, with the keys that tied it to the others. */
@Entity('record_group_members')
export class RecordGroupMember extends TenantOwnedEntity {
  @PrimaryColumn('uuid', { name: 'group_id' })
  groupId: string;

  /** bigint: pg returns it as a string */
  @PrimaryColumn('bigint', { name: 'record_id' })
  recordId: string;

  @Column('jsonb')
  evidence: unknown;

  @Column('real')
  score: number;
}
