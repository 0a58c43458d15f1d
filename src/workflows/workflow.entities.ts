import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { TenantOwnedEntity } from '../core/tenancy';
import type { TriggerType, WorkflowDefinition } from './definition';

/** A workflow: its current version and whether it listens to its trigger. The definition lives in its versions. */
@Entity('workflows')
export class Workflow extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('integer')
  version: number;

  @Column('boolean')
  active: boolean;

  @Column('text', { name: 'trigger_type' })
  triggerType: TriggerType;

  @Column('text', { name: 'trigger_key', nullable: true })
  triggerKey: string | null;

  @Column('uuid', { name: 'trigger_connection_id', nullable: true })
  triggerConnectionId: string | null;

  @Column('text', { name: 'inbound_token_hash', nullable: true, select: false })
  inboundTokenHash: string | null;

  @Column('bigint', { name: 'change_cursor' })
  changeCursor: string;

  @Column('text', { name: 'schedule_key', nullable: true })
  scheduleKey: string | null;

  /** why billing paused it (inactive until the plan allows it again); null otherwise */
  @Column('text', { name: 'paused_reason', nullable: true })
  pausedReason: string | null;

  @Column('timestamptz', { name: 'activated_at', nullable: true })
  activatedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

/** One version of a workflow's definition; never changed once written, so executions finish on theirs. */
@Entity('workflow_versions')
export class WorkflowVersion extends TenantOwnedEntity {
  @PrimaryColumn('uuid', { name: 'workflow_id' })
  workflowId: string;

  @PrimaryColumn('integer')
  version: number;

  @Column('jsonb')
  definition: WorkflowDefinition;

  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

export const EXECUTION_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export type ExecutionMode = 'live' | 'test';

/** One run of a workflow version for one trigger event. */
@Entity('workflow_executions')
export class WorkflowExecution extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'workflow_id' })
  workflowId: string;

  @Column('integer')
  version: number;

  @Column('text')
  status: ExecutionStatus;

  @Column('text')
  mode: ExecutionMode;

  @Column('text', { name: 'trigger_type' })
  triggerType: TriggerType;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey: string | null;

  @Column('jsonb', { name: 'trigger_data' })
  triggerData: unknown;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('text', { name: 'failed_step', nullable: true })
  failedStep: string | null;

  @Column('integer')
  runs: number;

  @Column('integer')
  retries: number;

  @Column('timestamptz', { name: 'deadline_at', nullable: true })
  deadlineAt: Date | null;

  @Column('timestamptz', { name: 'resume_at', nullable: true })
  resumeAt: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

export type StepRunStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'errored';

/** The log of one step (or one loop iteration's step) of an execution. */
@Entity('workflow_step_runs')
export class WorkflowStepRun extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'execution_id' })
  executionId: string;

  @Column('text')
  key: string;

  @Column('text', { name: 'step_id' })
  stepId: string;

  @Column('text')
  type: string;

  @Column('text', { name: 'loop_step', nullable: true })
  loopStep: string | null;

  @Column('integer', { nullable: true })
  iteration: number | null;

  @Column('text')
  status: StepRunStatus;

  @Column('integer')
  attempts: number;

  @Column('jsonb', { nullable: true })
  input: unknown;

  @Column('jsonb', { nullable: true })
  output: unknown;

  @Column('text', { nullable: true })
  error: string | null;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @Column('timestamptz', { name: 'resume_at', nullable: true })
  resumeAt: Date | null;
}

export const workflowEntities = [Workflow, WorkflowVersion, WorkflowExecution, WorkflowStepRun];
