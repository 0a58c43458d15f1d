import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sync engine's tables. connection_id has no foreign key: the connections table belongs to
 * another migration; a purge on `connection.deleted` removes a connection's rows instead.
 */
export class Sync1764200000000 implements MigrationInterface {
  name = 'Sync1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        plugin text NOT NULL,
        entity text NOT NULL,
        model text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('full','incremental')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
        dry_run boolean NOT NULL DEFAULT false,
        force boolean NOT NULL DEFAULT false,
        trigger text NOT NULL DEFAULT 'api',
        checkpoint jsonb NOT NULL DEFAULT '{}',
        added integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        deleted integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        pages integer NOT NULL DEFAULT 0,
        resumes integer NOT NULL DEFAULT 0,
        waits jsonb NOT NULL DEFAULT '{"count":0,"totalMs":0,"rateLimited":0,"serverErrors":0,"network":0}',
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX sync_runs_tenant_connection_idx ON sync_runs (tenant_id, connection_id, created_at DESC)`);
    // one active run per connection and entity: a second one would race the first on the same rows
    await q.query(`CREATE UNIQUE INDEX sync_runs_one_active_idx ON sync_runs (tenant_id, connection_id, entity) WHERE status IN ('queued','running')`);

    await q.query(`
      CREATE TABLE sync_records (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        plugin text NOT NULL,
        entity text NOT NULL,
        model text NOT NULL,
        external_id text NOT NULL,
        raw jsonb NOT NULL,
        unified jsonb NOT NULL,
        hash bytea NOT NULL,
        remote_updated_at timestamptz,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_synced_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT sync_records_identity_key UNIQUE (tenant_id, connection_id, entity, external_id)
      )`);
    await q.query(`CREATE INDEX sync_records_model_idx ON sync_records (tenant_id, model, updated_at, id)`);
    await q.query(`CREATE INDEX sync_records_platform_idx ON sync_records (tenant_id, plugin, entity, updated_at, id)`);

    await q.query(`
      CREATE TABLE sync_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        run_id uuid,
        record_id bigint NOT NULL,
        connection_id uuid NOT NULL,
        entity text NOT NULL,
        model text NOT NULL,
        external_id text NOT NULL,
        op text NOT NULL CHECK (op IN ('added','updated','deleted')),
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sync_changes_feed_idx ON sync_changes (tenant_id, id)`);

    await q.query(`
      CREATE TABLE sync_state (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        entity text NOT NULL,
        high_water timestamptz NOT NULL,
        last_run_id uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, connection_id, entity)
      )`);

    // the external ids a full run has seen, one row per page, for the deletion sweep at its end
    await q.query(`
      CREATE TABLE sync_run_pages (
        run_id uuid NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
        page integer NOT NULL,
        tenant_id uuid NOT NULL,
        external_ids text[] NOT NULL,
        PRIMARY KEY (run_id, page)
      )`);

    await q.query(`
      CREATE TABLE sync_schedules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        entity text NOT NULL,
        cron text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('full','incremental')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sync_schedules_key UNIQUE (tenant_id, connection_id, entity)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['sync_schedules', 'sync_run_pages', 'sync_state', 'sync_changes', 'sync_records', 'sync_runs']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
