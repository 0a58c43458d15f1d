import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A user beyond the plan's limit is paused (kept, unable to log in), not deleted. */
export class UserPause1764000000001 implements MigrationInterface {
  name = 'UserPause1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN paused_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN paused_reason`);
  }
}
