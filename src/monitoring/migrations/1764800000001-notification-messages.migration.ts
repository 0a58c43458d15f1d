import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Alert channels also carry one-off messages (a workflow's notify step): notification kind `message`. */
export class NotificationMessages1764800000001 implements MigrationInterface {
  name = 'NotificationMessages1764800000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert_notifications DROP CONSTRAINT alert_notifications_kind_check`);
    await q.query(`ALTER TABLE alert_notifications ADD CONSTRAINT alert_notifications_kind_check CHECK (kind IN ('fired','resolved','test','message'))`);
    // a retried step looks up what its message already reached
    await q.query(`CREATE INDEX alert_notifications_message_idx ON alert_notifications (tenant_id, fingerprint) WHERE kind = 'message'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alert_notifications_message_idx`);
    await q.query(`DELETE FROM alert_notifications WHERE kind = 'message'`);
    await q.query(`ALTER TABLE alert_notifications DROP CONSTRAINT alert_notifications_kind_check`);
    await q.query(`ALTER TABLE alert_notifications ADD CONSTRAINT alert_notifications_kind_check CHECK (kind IN ('fired','resolved','test'))`);
  }
}
