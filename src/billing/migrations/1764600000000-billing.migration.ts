import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing: the plan table (seeded with the four plans Plugboard sells), each tenant's billing
 * account, the webhook event ledger, and metered usage with its reports to the payment provider.
 */
export class Billing1764600000000 implements MigrationInterface {
  name = 'Billing1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE billing_plans (
        id text PRIMARY KEY CHECK (id IN ('free','starter','professional','enterprise')),
        name text NOT NULL,
        rank integer NOT NULL UNIQUE,
        currency text NOT NULL DEFAULT 'usd',
        monthly_price_cents integer NOT NULL CHECK (monthly_price_cents >= 0),
        yearly_price_cents integer NOT NULL CHECK (yearly_price_cents >= 0),
        api_rate_limit integer NOT NULL CHECK (api_rate_limit > 0),
        max_connections integer CHECK (max_connections >= 0),
        max_active_workflows integer CHECK (max_active_workflows >= 0),
        max_users integer CHECK (max_users >= 1),
        included_synced_records integer CHECK (included_synced_records >= 0),
        custom_plugins boolean NOT NULL DEFAULT false,
        white_label boolean NOT NULL DEFAULT false
      )`);
    // yearly: two months free; null: unlimited
    await q.query(`
      INSERT INTO billing_plans (id, name, rank, monthly_price_cents, yearly_price_cents, api_rate_limit,
        max_connections, max_active_workflows, max_users, included_synced_records, custom_plugins, white_label) VALUES
        ('free',         'Free',         0,     0,      0,   60,    2,    1,    1,   10000, false, false),
        ('starter',      'Starter',      1,  4900,  49000,  300,    5,    5,    5,  100000, false, false),
        ('professional', 'Professional', 2, 14900, 149000, 1000, NULL,   25,   20, 1000000, false, false),
        ('enterprise',   'Enterprise',   3, 49900, 499000, 5000, NULL, NULL, NULL,    NULL, true,  true)`);

    await q.query(`
      CREATE TABLE billing_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL UNIQUE REFERENCES tenants(id) ON DELETE CASCADE,
        customer_id text UNIQUE,
        subscription_id text,
        subscription_status text,
        subscription_plan text REFERENCES billing_plans(id),
        billing_interval text CHECK (billing_interval IN ('month','year')),
        scheduled_plan text REFERENCES billing_plans(id),
        current_period_start timestamptz,
        current_period_end timestamptz,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        trial_end timestamptz,
        past_due_since timestamptz,
        grace_ends_at timestamptz,
        state_at timestamptz,
        enforced_plan text REFERENCES billing_plans(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // the sweeper looks for grace periods that have run out
    await q.query(`CREATE INDEX billing_accounts_grace_idx ON billing_accounts (grace_ends_at) WHERE grace_ends_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE billing_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        stripe_created_at timestamptz NOT NULL,
        tenant_id uuid REFERENCES tenants(id) ON DELETE SET NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        outcome text
      )`);

    await q.query(`
      CREATE TABLE billing_usage (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        meter text NOT NULL CHECK (meter IN ('synced_records','workflow_runs')),
        period_start timestamptz NOT NULL,
        quantity bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),
        reported bigint NOT NULL DEFAULT 0 CHECK (reported >= 0 AND reported <= quantity),
        CONSTRAINT billing_usage_period_key UNIQUE (tenant_id, meter, period_start)
      )`);
    await q.query(`
      CREATE TABLE billing_usage_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        meter text NOT NULL,
        period_start timestamptz NOT NULL,
        quantity bigint NOT NULL CHECK (quantity > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX billing_usage_reports_unsent_idx ON billing_usage_reports (tenant_id) WHERE sent_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['billing_usage_reports', 'billing_usage', 'billing_events', 'billing_accounts', 'billing_plans']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
