import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workflows: the workflow (its current version, activation and trigger index), every version's
 * definition, executions (one per trigger event: the idempotency key is unique per workflow) and
 * the step log (one row per step and loop iteration, upserted as each step starts and ends).
 */
export class Workflows1764700000000 implements MigrationInterface {
  name = 'Workflows1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workflows (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        version integer NOT NULL,
        active boolean NOT NULL DEFAULT false,
        trigger_type text NOT NULL,
        -- what the trigger listens for: a webhook or platform event type, a unified model; null otherwise
        trigger_key text,
        trigger_connection_id uuid,
        -- sha256 of the generic inbound URL's token (the token is shown once)
        inbound_token_hash text UNIQUE,
        -- data_change triggers: the last change id this workflow has seen
        change_cursor bigint NOT NULL DEFAULT 0,
        -- the Bull repeatable registered for a schedule trigger ("cron|tz"), so it can be removed
        schedule_key text,
        -- set when billing paused the workflow (the plan allows fewer active workflows); it resumes when the plan allows again
        paused_reason text,
        activated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX workflows_tenant_idx ON workflows (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX workflows_trigger_idx ON workflows (trigger_type, tenant_id, trigger_key) WHERE active`);
    await q.query(`
      CREATE TABLE workflow_versions (
        workflow_id uuid NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        version integer NOT NULL,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        definition jsonb NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workflow_id, version)
      )`);
    await q.query(`
      CREATE TABLE workflow_executions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        workflow_id uuid NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        version integer NOT NULL,
        status text NOT NULL CHECK (status IN ('queued','running','waiting','succeeded','failed','cancelled')),
        mode text NOT NULL CHECK (mode IN ('live','test')),
        trigger_type text NOT NULL,
        idempotency_key text,
        trigger_data jsonb NOT NULL,
        error text,
        failed_step text,
        -- how many times a worker took the execution up (more than one: resumed after a crash, a delay or a retry)
        runs integer NOT NULL DEFAULT 0,
        retries integer NOT NULL DEFAULT 0,
        deadline_at timestamptz,
        resume_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // exactly once per trigger event: webhook event id, schedule slot, change id, Idempotency-Key
    await q.query(`CREATE UNIQUE INDEX workflow_executions_idempotency_key ON workflow_executions (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await q.query(`CREATE INDEX workflow_executions_list_idx ON workflow_executions (tenant_id, workflow_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX workflow_executions_open_idx ON workflow_executions (updated_at) WHERE status IN ('queued','running','waiting')`);
    await q.query(`
      CREATE TABLE workflow_step_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        execution_id uuid NOT NULL REFERENCES workflow_executions(id) ON DELETE CASCADE,
        -- the step's place: its id, or loop[iteration].id inside a loop
        key text NOT NULL,
        step_id text NOT NULL,
        type text NOT NULL,
        loop_step text,
        iteration integer,
        status text NOT NULL CHECK (status IN ('running','waiting','succeeded','failed','errored')),
        attempts integer NOT NULL DEFAULT 0,
        input jsonb,
        output jsonb,
        error text,
        started_at timestamptz,
        finished_at timestamptz,
        resume_at timestamptz,
        CONSTRAINT workflow_step_runs_key UNIQUE (execution_id, key)
      )`);
    await q.query(`CREATE INDEX workflow_step_runs_loop_idx ON workflow_step_runs (execution_id, loop_step, iteration) WHERE loop_step IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE workflow_step_runs, workflow_executions, workflow_versions, workflows`);
  }
}
