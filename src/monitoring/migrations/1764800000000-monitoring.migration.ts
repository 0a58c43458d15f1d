import type { MigrationInterface, QueryRunner } from 'typeorm';

const SEVERITY = `('info','warning','error','critical')`;

/**
 * Monitoring: per-minute and per-hour figures, connection health, alert rules, channels, alerts
 * (incidents) with their timelines and notifications. connection_id has no foreign key (the
 * connections table is another area's); `connection.deleted` cleans up instead, and the figures of
 * a deleted connection stay for the analytics.
 */
export class Monitoring1764800000000 implements MigrationInterface {
  name = 'Monitoring1764800000000';

  async up(q: QueryRunner): Promise<void> {
    // element-wise sum of latency histograms, as a function and as an aggregate (the hourly rollup)
    await q.query(`
      CREATE FUNCTION monitoring_array_add(a integer[], b integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
          ELSE ARRAY(SELECT coalesce(x, 0) + coalesce(y, 0) FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i) ORDER BY i) END
      $$`);
    await q.query(`CREATE AGGREGATE monitoring_array_sum(integer[]) (SFUNC = monitoring_array_add, STYPE = integer[])`);
    await q.query(`
      CREATE TABLE monitoring_series (
        resolution text NOT NULL CHECK (resolution IN ('minute','hour')),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        bucket timestamptz NOT NULL,
        plugin text NOT NULL,
        calls integer NOT NULL DEFAULT 0,
        errors integer NOT NULL DEFAULT 0,
        faults integer NOT NULL DEFAULT 0,
        err_rate_limited integer NOT NULL DEFAULT 0,
        err_auth integer NOT NULL DEFAULT 0,
        err_client integer NOT NULL DEFAULT 0,
        err_server integer NOT NULL DEFAULT 0,
        err_network integer NOT NULL DEFAULT 0,
        err_timeout integer NOT NULL DEFAULT 0,
        rejected_circuit integer NOT NULL DEFAULT 0,
        rejected_quota integer NOT NULL DEFAULT 0,
        retries integer NOT NULL DEFAULT 0,
        latency_sum_ms double precision NOT NULL DEFAULT 0,
        latency_hist integer[] NOT NULL,
        checks integer NOT NULL DEFAULT 0,
        checks_failed integer NOT NULL DEFAULT 0,
        minutes_observed integer NOT NULL DEFAULT 0,
        minutes_up integer NOT NULL DEFAULT 0,
        records_synced integer NOT NULL DEFAULT 0,
        sync_runs integer NOT NULL DEFAULT 0,
        sync_failures integer NOT NULL DEFAULT 0,
        webhooks_received integer NOT NULL DEFAULT 0,
        webhooks_failed integer NOT NULL DEFAULT 0,
        workflow_runs integer NOT NULL DEFAULT 0,
        workflow_failures integer NOT NULL DEFAULT 0,
        PRIMARY KEY (resolution, tenant_id, connection_id, bucket)
      )`);
    await q.query(`CREATE INDEX monitoring_series_tenant_bucket_idx ON monitoring_series (tenant_id, resolution, bucket)`);
    await q.query(`CREATE INDEX monitoring_series_bucket_idx ON monitoring_series (resolution, bucket)`);
    await q.query(`CREATE TABLE monitoring_state (key text PRIMARY KEY, at timestamptz NOT NULL)`);
    await q.query(`
      CREATE TABLE connection_health (
        connection_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        plugin text NOT NULL,
        check_status text CHECK (check_status IN ('up','down','auth_expired')),
        last_check_at timestamptz,
        last_ok_at timestamptz,
        last_latency_ms integer,
        last_error text,
        consecutive_failures integer NOT NULL DEFAULT 0,
        checks_total integer NOT NULL DEFAULT 0,
        circuit text NOT NULL DEFAULT 'closed' CHECK (circuit IN ('open','half_open','closed')),
        circuit_changed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX connection_health_tenant_id_idx ON connection_health (tenant_id)`);
    await q.query(`
      CREATE TABLE alert_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        type text NOT NULL,
        enabled boolean NOT NULL,
        severity text NOT NULL CHECK (severity IN ${SEVERITY}),
        params jsonb NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alert_rules_tenant_id_type_key UNIQUE (tenant_id, type)
      )`);
    await q.query(`
      CREATE TABLE alert_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('email','slack','webhook','in_app','sms')),
        config jsonb NOT NULL DEFAULT '{}',
        vault_entry_id uuid,
        min_severity text NOT NULL DEFAULT 'warning' CHECK (min_severity IN ${SEVERITY}),
        types text[],
        enabled boolean NOT NULL DEFAULT true,
        rate_limit_per_hour integer NOT NULL DEFAULT 20 CHECK (rate_limit_per_hour > 0),
        quiet_period_minutes integer NOT NULL DEFAULT 30 CHECK (quiet_period_minutes >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alert_channels_tenant_id_name_key UNIQUE (tenant_id, name)
      )`);
    await q.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        type text NOT NULL,
        severity text NOT NULL CHECK (severity IN ${SEVERITY}),
        fingerprint text NOT NULL,
        connection_id uuid,
        plugin text,
        subject text,
        title text NOT NULL,
        detail text,
        data jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','acknowledged','resolved')),
        occurrences integer NOT NULL DEFAULT 1,
        opened_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        acknowledged_by text,
        resolved_at timestamptz,
        resolved_by text,
        resolution text CHECK (resolution IN ('auto','manual'))
      )`);
    // deduplication: one unresolved incident per condition, whichever process sees it first
    await q.query(`CREATE UNIQUE INDEX alerts_unresolved_fingerprint_key ON alerts (tenant_id, fingerprint) WHERE status <> 'resolved'`);
    await q.query(`CREATE INDEX alerts_tenant_opened_idx ON alerts (tenant_id, opened_at DESC, id DESC)`);
    await q.query(`CREATE INDEX alerts_connection_idx ON alerts (tenant_id, connection_id) WHERE status <> 'resolved'`);
    await q.query(`
      CREATE TABLE alert_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        alert_id uuid NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        kind text NOT NULL,
        message text NOT NULL,
        channel_id uuid
      )`);
    await q.query(`CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, at)`);
    await q.query(`CREATE INDEX alert_events_tenant_id_idx ON alert_events (tenant_id)`);
    await q.query(`
      CREATE TABLE alert_notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL REFERENCES alert_channels(id) ON DELETE CASCADE,
        alert_id uuid REFERENCES alerts(id) ON DELETE CASCADE,
        fingerprint text,
        kind text NOT NULL CHECK (kind IN ('fired','resolved','test')),
        status text NOT NULL CHECK (status IN ('pending','sent','failed','suppressed')),
        reason text,
        subject text NOT NULL,
        body text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        read_at timestamptz
      )`);
    // a notification job retried, or run twice, writes one row
    await q.query(`CREATE UNIQUE INDEX alert_notifications_once_key ON alert_notifications (alert_id, channel_id, kind) WHERE alert_id IS NOT NULL`);
    await q.query(`CREATE INDEX alert_notifications_channel_idx ON alert_notifications (channel_id, created_at DESC)`);
    await q.query(`CREATE INDEX alert_notifications_tenant_idx ON alert_notifications (tenant_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['alert_notifications', 'alert_events', 'alerts', 'alert_channels', 'alert_rules', 'connection_health', 'monitoring_state', 'monitoring_series']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`DROP AGGREGATE IF EXISTS monitoring_array_sum(integer[])`);
    await q.query(`DROP FUNCTION IF EXISTS monitoring_array_add(integer[], integer[])`);
  }
}
