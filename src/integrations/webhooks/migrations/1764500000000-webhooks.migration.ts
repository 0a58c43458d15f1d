import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks. Inbound: the events platforms pushed (unique per connection and idempotency key while
 * kept), their processing attempts, and counters of refused deliveries. Outbound: tenants' endpoints,
 * each delivery of one of Plugboard's events to one endpoint, and every attempt. The outbox hands
 * both kinds of work to the queue once committed, and holds retries until they are due, so Redis
 * never holds the only copy of anything. Connection ids carry no foreign key, as in the sync tables.
 */
export class Webhooks1764500000000 implements MigrationInterface {
  name = 'Webhooks1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        plugin text NOT NULL,
        dedupe_key text NOT NULL,
        external_id text,
        type text NOT NULL,
        entity text,
        external_ids jsonb NOT NULL DEFAULT '[]',
        occurred_at timestamptz,
        payload jsonb,
        -- only for a delivery the plugin could not parse: the body and headers, to parse again when processed
        raw_body text,
        raw_headers jsonb,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','processing','processed','failed','dead')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        -- while processing: the claim expires then, so a killed worker's event is taken up again
        lease_until timestamptz,
        last_error text,
        outcome jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        CONSTRAINT webhook_events_dedupe_key UNIQUE (connection_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX webhook_events_tenant_idx ON webhook_events (tenant_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX webhook_events_received_idx ON webhook_events (received_at)`);
    await q.query(`CREATE INDEX webhook_events_open_idx ON webhook_events (updated_at) WHERE status IN ('pending','processing','failed')`);
    await q.query(`
      CREATE TABLE webhook_event_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        attempt int NOT NULL,
        ok boolean NOT NULL,
        error text,
        outcome jsonb,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_event_attempts_event_idx ON webhook_event_attempts (event_id, id)`);
    await q.query(`
      CREATE TABLE webhook_rejections (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        plugin text NOT NULL,
        reason text NOT NULL,
        count bigint NOT NULL DEFAULT 0,
        first_at timestamptz NOT NULL DEFAULT now(),
        last_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connection_id, reason)
      )`);
    await q.query(`CREATE INDEX webhook_rejections_tenant_idx ON webhook_rejections (tenant_id)`);
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        connection_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        plugin text NOT NULL,
        external_id text NOT NULL,
        url text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_subscriptions_tenant_idx ON webhook_subscriptions (tenant_id)`);
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        url text NOT NULL,
        description text,
        event_types text[] NOT NULL,
        secret_vault_entry_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled','disabled')),
        disabled_reason text,
        rate_limit_per_second int,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, created_at)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        message_id text NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','succeeded','failed','dead')),
        attempts int NOT NULL DEFAULT 0,
        -- a manual resend starts the retry schedule again from here
        schedule_base int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_until timestamptz,
        last_status_code int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_tenant_idx ON webhook_deliveries (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC)`);
    await q.query(`CREATE INDEX webhook_deliveries_open_idx ON webhook_deliveries (updated_at) WHERE status IN ('pending','sending','failed')`);
    await q.query(`
      CREATE TABLE webhook_delivery_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempt int NOT NULL,
        status_code int,
        error text,
        duration_ms int NOT NULL,
        response_body text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, id)`);
    await q.query(`
      CREATE TABLE webhook_record_cursors (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        cursor text NOT NULL DEFAULT '0',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('event','delivery','records')),
        ref_id text NOT NULL,
        available_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_outbox_due_idx ON webhook_outbox (available_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['webhook_outbox', 'webhook_record_cursors', 'webhook_delivery_attempts', 'webhook_deliveries', 'webhook_endpoints', 'webhook_subscriptions', 'webhook_rejections', 'webhook_event_attempts', 'webhook_events']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
