import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two tables a sync writes a row per record to lose their foreign key to tenants: its check is a
 * trigger per inserted row, about a third of what writing a record cost. A statement on tenants does
 * what ON DELETE CASCADE did, once per deleted tenant instead of once per record written. Record ids
 * are drawn a batch at a time (COPY writes them with the change rows): a session caches 1,000 of
 * them rather than logging the sequence every 32, so ids are unique but not in commit order.
 */
export class SyncBulkTables1765000000000 implements MigrationInterface {
  name = 'SyncBulkTables1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sync_records DROP CONSTRAINT sync_records_tenant_id_fkey');
    await q.query('ALTER TABLE sync_changes DROP CONSTRAINT sync_changes_tenant_id_fkey');
    await q.query('ALTER TABLE sync_records ALTER COLUMN id SET CACHE 1000');
    await q.query(`
      CREATE FUNCTION sync_purge_deleted_tenants() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM sync_changes WHERE tenant_id IN (SELECT id FROM gone);
        DELETE FROM sync_records WHERE tenant_id IN (SELECT id FROM gone);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER sync_purge_deleted_tenants AFTER DELETE ON tenants
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sync_purge_deleted_tenants()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER sync_purge_deleted_tenants ON tenants');
    await q.query('DROP FUNCTION sync_purge_deleted_tenants()');
    await q.query('ALTER TABLE sync_records ALTER COLUMN id SET CACHE 1');
    await q.query('DELETE FROM sync_changes c WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = c.tenant_id)');
    await q.query('DELETE FROM sync_records r WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)');
    await q.query('ALTER TABLE sync_records ADD CONSTRAINT sync_records_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE');
    await q.query('ALTER TABLE sync_changes ADD CONSTRAINT sync_changes_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE');
  }
}
