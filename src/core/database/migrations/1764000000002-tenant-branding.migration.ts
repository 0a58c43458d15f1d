import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A tenant's own branding (white label): the name its people see instead of Plugboard's. */
export class TenantBranding1764000000002 implements MigrationInterface {
  name = 'TenantBranding1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN branding jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN branding`);
  }
}
