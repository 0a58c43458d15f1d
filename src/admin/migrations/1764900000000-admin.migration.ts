import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the admin panel's pages, which read across tenants (operators) as well as within one:
 * each list is a keyset scan in its page order, so a page costs the same on the first page as on the
 * hundredth, with any number of tenants.
 */
export class Admin1764900000000 implements MigrationInterface {
  name = 'Admin1764900000000';

  async up(q: QueryRunner): Promise<void> {
    // sync runs newest first, of everyone and of one tenant; also the dashboard's last 24 hours
    await q.query(`CREATE INDEX IF NOT EXISTS sync_runs_created_at_idx ON sync_runs (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX IF NOT EXISTS sync_runs_tenant_created_at_idx ON sync_runs (tenant_id, created_at DESC, id DESC)`);
    // connections and tenants by name (a tenant's own connections use the (tenant_id, name) unique key)
    await q.query(`CREATE INDEX IF NOT EXISTS connections_name_idx ON connections (name, id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS tenants_name_idx ON tenants (name, id)`);
    // open conflicts of every tenant, oldest first
    await q.query(`CREATE INDEX IF NOT EXISTS sync_conflicts_status_created_at_idx ON sync_conflicts (status, created_at, id)`);
    // the dashboard's unresolved incidents of every tenant
    await q.query(`CREATE INDEX IF NOT EXISTS alerts_unresolved_opened_at_idx ON alerts (opened_at DESC) WHERE status <> 'resolved'`);
    // one tenant's audit log newest first (the whole log uses the primary key)
    await q.query(`CREATE INDEX IF NOT EXISTS audit_log_tenant_id_id_idx ON audit_log (tenant_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ['audit_log_tenant_id_id_idx', 'alerts_unresolved_opened_at_idx', 'sync_conflicts_status_created_at_idx', 'tenants_name_idx', 'connections_name_idx', 'sync_runs_tenant_created_at_idx', 'sync_runs_created_at_idx']) {
      await q.query(`DROP INDEX IF EXISTS ${name}`);
    }
  }
}
