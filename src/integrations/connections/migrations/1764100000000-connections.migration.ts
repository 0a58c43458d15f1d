import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Connections1764100000000 implements MigrationInterface {
  name = 'Connections1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        plugin text NOT NULL,
        name text NOT NULL,
        auth_kind text NOT NULL CHECK (auth_kind IN ('api_key','oauth2','basic','none')),
        vault_entry_id uuid NOT NULL REFERENCES vault_entries(id),
        settings jsonb NOT NULL DEFAULT '{}',
        base_url text,
        status text NOT NULL CHECK (status IN ('healthy','degraded','needs_reauth','disabled')),
        status_reason text,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        token_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT connections_tenant_id_name_key UNIQUE (tenant_id, name)
      )`);
    await q.query(`CREATE INDEX connections_tenant_id_idx ON connections (tenant_id)`);
    await q.query(`
      CREATE TABLE connection_transitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        from_status text,
        to_status text NOT NULL,
        reason text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX connection_transitions_tenant_id_idx ON connection_transitions (tenant_id)`);
    await q.query(`CREATE INDEX connection_transitions_connection_id_at_idx ON connection_transitions (connection_id, at)`);
    await q.query(`
      CREATE TABLE oauth_states (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        state_hash text NOT NULL UNIQUE,
        plugin text NOT NULL,
        connection_name text NOT NULL,
        verifier_vault_entry_id uuid REFERENCES vault_entries(id) ON DELETE SET NULL,
        redirect_uri text NOT NULL,
        started_by text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX oauth_states_tenant_id_idx ON oauth_states (tenant_id)`);
    await q.query(`
      CREATE TABLE oauth_apps (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        plugin text NOT NULL,
        client_id text NOT NULL,
        secret_vault_entry_id uuid NOT NULL REFERENCES vault_entries(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT oauth_apps_tenant_id_plugin_key UNIQUE (tenant_id, plugin)
      )`);
    await q.query(`CREATE INDEX oauth_apps_tenant_id_idx ON oauth_apps (tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['oauth_apps', 'oauth_states', 'connection_transitions', 'connections']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
