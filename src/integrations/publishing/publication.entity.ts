import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ContentType, PublishedPart, PublishMedia } from '../../core/plugin-sdk';
import { TenantOwnedEntity } from '../../core/tenancy';

export const PUBLICATION_STATUSES = ['scheduled', 'publishing', 'published', 'partial', 'failed'] as const;
export type PublicationStatus = (typeof PUBLICATION_STATUSES)[number];

export const TARGET_STATUSES = ['pending', 'publishing', 'published', 'retrying', 'failed'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

/** Content published (or to be) on several platforms at once; each platform's outcome is a PublicationTarget. */
@Entity('publications')
export class Publication extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'content_type' })
  contentType: ContentType;

  @Column('text')
  content: string;

  @Column('text', { nullable: true })
  title: string | null;

  @Column('jsonb')
  media: PublishMedia[];

  @Column('jsonb')
  tags: string[];

  @Column('jsonb')
  links: string[];

  /** per plugin name, what the request asked of that platform (a channel, a privacy status) */
  @Column('jsonb')
  options: Record<string, unknown>;

  @Column('text')
  status: PublicationStatus;

  @Column('timestamptz', { name: 'schedule_at', nullable: true })
  scheduleAt: Date | null;

  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** when every platform reached a final outcome */
  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}

/** One platform (connection) of a publication: its outcome, its attempts and what it published. */
@Entity('publication_targets')
export class PublicationTarget extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column('uuid', { name: 'publication_id' })
  publicationId: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  plugin: string;

  @Column('text')
  status: TargetStatus;

  @Column('text', { name: 'external_id', nullable: true })
  externalId: string | null;

  @Column('text', { nullable: true })
  url: string | null;

  /** a thread's posts published so far: a retry continues after them */
  @Column('jsonb')
  parts: PublishedPart[];

  /** a rejection code (content_too_long, ...) or platform_<status> */
  @Column('text', { name: 'error_code', nullable: true })
  errorCode: string | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('integer')
  attempts: number;

  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  /** when the attempt in flight began: a claim older than the stale limit is taken over */
  @Column('timestamptz', { name: 'claimed_at', nullable: true })
  claimedAt: Date | null;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
