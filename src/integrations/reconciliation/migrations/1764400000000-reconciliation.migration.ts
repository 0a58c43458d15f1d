import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation: groups of records (of one unified model, from different connections) that match
 * on normalized keys, with the evidence per member, and the tenant's decision on each group.
 * record_id has no foreign key to sync_records on purpose: a purged connection's records leave the
 * group's history readable (the member shows as gone) rather than silently rewriting it.
 */
export class Reconciliation1764400000000 implements MigrationInterface {
  name = 'Reconciliation1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE record_groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        model text NOT NULL,
        status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed','merged','kept_apart')),
        -- the sorted member record ids, joined: a rerun finding the same members finds this row
        member_key text NOT NULL,
        score real NOT NULL,
        decided_by text,
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX record_groups_member_key_idx ON record_groups (tenant_id, model, member_key)`);
    await q.query(`CREATE INDEX record_groups_list_idx ON record_groups (tenant_id, model, status, created_at)`);
    await q.query(`
      CREATE TABLE record_group_members (
        group_id uuid NOT NULL REFERENCES record_groups(id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        record_id bigint NOT NULL,
        evidence jsonb NOT NULL,
        score real NOT NULL,
        PRIMARY KEY (group_id, record_id)
      )`);
    await q.query(`CREATE INDEX record_group_members_record_idx ON record_group_members (tenant_id, record_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS record_group_members`);
    await q.query(`DROP TABLE IF EXISTS record_groups`);
  }
}
