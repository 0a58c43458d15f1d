import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TenantOwnedEntity } from '../../core/tenancy';

export type SyncMode = 'full' | 'incremental';
export const SYNC_MODES: readonly SyncMode[] = ['full', 'incremental'];
/** `paused`: the tenant's plan has no synced records left this period; the run goes on from its checkpoint when that changes. */
export type SyncRunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** Where a run stands: the cursor of the next page to fetch, saved with that page's writes. */
export interface SyncCheckpoint {
  cursor: string | null;
  /** the incremental filter this run uses (ISO), null on full runs */
  modifiedSince: string | null;
  /** the instant fetching began (ISO): the next incremental run's modifiedSince */
  fetchStartedAt: string | null;
  pagesDone: number;
  /** every page has been fetched and written; only the completion (and a full run's sweep) is left */
  fetched: boolean;
}

/** Retries the upstream client waited through during the run. */
export interface SyncWaits {
  count: number;
  totalMs: number;
  rateLimited: number;
  serverErrors: number;
  network: number;
}

@Entity('sync_runs')
export class SyncRun extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text')
  plugin: string;

  @Column('text')
  entity: string;

  @Column('text')
  model: string;

  @Column('text')
  mode: SyncMode;

  @Column('text')
  status: SyncRunStatus;

  @Column('boolean', { name: 'dry_run' })
  dryRun: boolean;

  @Column('boolean')
  force: boolean;

  /** api | schedule */
  @Column('text')
  trigger: string;

  @Column('jsonb')
  checkpoint: SyncCheckpoint;

  @Column('integer')
  added: number;

  @Column('integer')
  updated: number;

  @Column('integer')
  deleted: number;

  @Column('integer')
  unchanged: number;

  @Column('integer')
  pages: number;

  /** how many times a worker picked the run up again after a crash */
  @Column('integer')
  resumes: number;

  @Column('jsonb')
  waits: SyncWaits;

  @Column('text', { nullable: true })
  error: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
