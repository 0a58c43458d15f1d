import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A run can be paused by the tenant's plan (synced records used up): paused, not failed, and resumable. */
export class SyncPausedRuns1764600000001 implements MigrationInterface {
  name = 'SyncPausedRuns1764600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check');
    await q.query(`ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check CHECK (status IN ('queued','running','paused','succeeded','failed','cancelled'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE sync_runs SET status = 'cancelled' WHERE status = 'paused'`);
    await q.query('ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check');
    await q.query(`ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check CHECK (status IN ('queued','running','succeeded','failed','cancelled'))`);
  }
}
