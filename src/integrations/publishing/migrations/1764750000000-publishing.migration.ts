import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Publications and their per-platform targets. connection_id has no foreign key: a deleted connection leaves its history. */
export class Publishing1764750000000 implements MigrationInterface {
  name = 'Publishing1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE publications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        content_type text NOT NULL CHECK (content_type IN ('post','article','video','episode')),
        content text NOT NULL,
        title text,
        media jsonb NOT NULL DEFAULT '[]',
        tags jsonb NOT NULL DEFAULT '[]',
        links jsonb NOT NULL DEFAULT '[]',
        options jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('scheduled','publishing','published','partial','failed')),
        schedule_at timestamptz,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX publications_tenant_created_idx ON publications (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE publication_targets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        publication_id uuid NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        plugin text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending','publishing','published','retrying','failed')),
        external_id text,
        url text,
        parts jsonb NOT NULL DEFAULT '[]',
        error_code text,
        error text,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        claimed_at timestamptz,
        published_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT publication_targets_one_per_connection UNIQUE (publication_id, connection_id)
      )`);
    await q.query(`CREATE INDEX publication_targets_publication_idx ON publication_targets (publication_id)`);
    await q.query(`CREATE INDEX publication_targets_tenant_idx ON publication_targets (tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE publication_targets');
    await q.query('DROP TABLE publications');
  }
}
