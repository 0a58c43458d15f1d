import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../../../test/support/test-app';
import { OutboxRelay } from './outbox-relay.service';

/**
 * The relay's housekeeping on real Postgres: work whose job was lost (or whose worker died) is queued
 * again once, and events and deliveries past the retention are deleted. An API-only app, so nothing
 * consumes the queue and the outbox can be read as the relay leaves it.
 */
describe('outbox relay housekeeping', () => {
  let t: TestApp;
  let ds: DataSource;
  let relay: OutboxRelay;
  let tenantId: string;

  const event = async (status: string, extra: Record<string, string> = {}) => {
    const [row] = await ds.query(
      `INSERT INTO webhook_events (tenant_id, connection_id, plugin, dedupe_key, type, payload, status, updated_at, lease_until, received_at)
       VALUES ($1, $2, 'stripe', $3, 'stripe.x', '{}', $4, coalesce($5::timestamptz, now()), $6::timestamptz, coalesce($7::timestamptz, now())) RETURNING id`,
      [tenantId, randomUUID(), `id:${randomUUID()}`, status, extra.updatedAt ?? null, extra.leaseUntil ?? null, extra.receivedAt ?? null],
    );
    return row.id as string;
  };
  const outboxed = async (kind: string, id: string) => Number((await ds.query(`SELECT count(*) AS n FROM webhook_outbox WHERE kind = $1 AND ref_id = $2`, [kind, id]))[0].n);
  const statusOf = async (table: string, id: string) => (await ds.query(`SELECT status FROM ${table} WHERE id = $1`, [id]))[0]?.status;

  beforeAll(async () => {
    // the relay must not move rows while the test reads the outbox: it polls rarely here, and nothing kicks it
    t = await startTestApp({ label: 'wh-relay', env: { WEBHOOK_RELAY_INTERVAL_MS: '60000', WEBHOOK_RETENTION_DAYS: '30' } });
    ds = t.app.get(DataSource);
    relay = t.app.get(OutboxRelay);
    tenantId = (await t.signup('relay')).tenantId;
    await ds.query(`DELETE FROM webhook_outbox`);
  });
  afterAll(async () => {
    await t.close();
  });

  it('queues again stale open events once, and takes back a lapsed claim', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    const lost = await event('pending', { updatedAt: old });
    const fresh = await event('pending');
    const abandoned = await event('processing', { updatedAt: old, leaseUntil: old });
    const held = await event('processing', { leaseUntil: new Date(Date.now() + 60_000).toISOString() });

    expect(await relay.sweep(300)).toBe(2);
    expect(await outboxed('event', lost)).toBe(1);
    expect(await outboxed('event', abandoned)).toBe(1);
    expect(await statusOf('webhook_events', abandoned)).toBe('failed');
    expect(await outboxed('event', fresh)).toBe(0);
    expect(await outboxed('event', held)).toBe(0);
    expect(await statusOf('webhook_events', held)).toBe('processing');
    // queued already: a second sweep adds nothing
    expect(await relay.sweep(0)).toBe(1);
    expect(await outboxed('event', fresh)).toBe(1);
    expect(await outboxed('event', lost)).toBe(1);
  });

  it('takes back a delivery whose sender died mid-attempt', async () => {
    const [endpoint] = await ds.query(
      `INSERT INTO webhook_endpoints (tenant_id, url, event_types, secret_vault_entry_id) VALUES ($1, 'https://hooks.example.test/x', '{sync.completed}', $2) RETURNING id`,
      [tenantId, randomUUID()],
    );
    const [d] = await ds.query(
      `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, message_id, event_type, payload, status, attempts, lease_until, updated_at)
       VALUES ($1, $2, 'msg_1', 'sync.completed', '{}', 'sending', 1, now() - interval '10 minutes', now() - interval '10 minutes') RETURNING id`,
      [tenantId, endpoint.id],
    );
    expect(await relay.sweep(300)).toBe(1);
    expect(await statusOf('webhook_deliveries', d.id)).toBe('failed');
    expect(await outboxed('delivery', d.id)).toBe(1);
  });

  it('deletes events past the retention (their idempotency keys with them) and keeps the rest', async () => {
    const expired = await event('processed', { receivedAt: new Date(Date.now() - 31 * 86_400_000).toISOString() });
    const kept = await event('processed', { receivedAt: new Date(Date.now() - 29 * 86_400_000).toISOString() });
    expect(await relay.cleanup()).toBeGreaterThanOrEqual(1);
    expect(await statusOf('webhook_events', expired)).toBeUndefined();
    expect(await statusOf('webhook_events', kept)).toBe('processed');
  });
});
