import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-way sync flows: the flow definitions, the links pairing records of both sides (with the last
 * applied values and hash of each side, the base of the 3-way comparison and of echo detection),
 * manual conflicts and the history of applied changes. Connection ids carry no foreign key, as in
 * the sync tables.
 */
export class SyncFlows1764300000000 implements MigrationInterface {
  name = 'SyncFlows1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_flows (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        source jsonb NOT NULL,
        target jsonb NOT NULL,
        mapping jsonb NOT NULL,
        direction text NOT NULL CHECK (direction IN ('one_way','two_way')),
        conflict text NOT NULL CHECK (conflict IN ('source_wins','target_wins','newest_wins','manual','merge')),
        merge_rule text CHECK (merge_rule IN ('source_wins','target_wins','newest_wins')),
        auto_apply boolean NOT NULL DEFAULT true,
        cursor bigint NOT NULL DEFAULT 0,
        last_applied_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sync_flows_tenant_idx ON sync_flows (tenant_id, created_at)`);
    await q.query(`
      CREATE TABLE sync_links (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        flow_id uuid NOT NULL REFERENCES sync_flows(id) ON DELETE CASCADE,
        source_external_id text NOT NULL,
        target_external_id text NOT NULL,
        source_hash bytea NOT NULL,
        target_hash bytea NOT NULL,
        source_values jsonb NOT NULL,
        target_values jsonb NOT NULL,
        -- when we last wrote to each side: until a sync stores that record again, its stored copy predates our write
        source_written_at timestamptz,
        target_written_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sync_links_source_key UNIQUE (flow_id, source_external_id),
        CONSTRAINT sync_links_target_key UNIQUE (flow_id, target_external_id)
      )`);
    await q.query(`CREATE INDEX sync_links_tenant_idx ON sync_links (tenant_id, flow_id)`);
    await q.query(`
      CREATE TABLE sync_conflicts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        flow_id uuid NOT NULL REFERENCES sync_flows(id) ON DELETE CASCADE,
        link_id bigint NOT NULL REFERENCES sync_links(id) ON DELETE CASCADE,
        fields text[] NOT NULL,
        source_values jsonb NOT NULL,
        target_values jsonb NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved')),
        resolution jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz
      )`);
    await q.query(`CREATE INDEX sync_conflicts_tenant_idx ON sync_conflicts (tenant_id, status, created_at)`);
    await q.query(`CREATE UNIQUE INDEX sync_conflicts_one_open_idx ON sync_conflicts (link_id) WHERE status = 'open'`);
    await q.query(`
      CREATE TABLE sync_flow_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        flow_id uuid NOT NULL REFERENCES sync_flows(id) ON DELETE CASCADE,
        direction text NOT NULL CHECK (direction IN ('source_to_target','target_to_source')),
        op text NOT NULL CHECK (op IN ('created','updated')),
        source_external_id text NOT NULL,
        target_external_id text NOT NULL,
        fields text[] NOT NULL,
        before jsonb NOT NULL,
        after jsonb NOT NULL,
        reason text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sync_flow_history_flow_idx ON sync_flow_history (tenant_id, flow_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sync_flow_history, sync_conflicts, sync_links, sync_flows`);
  }
}
