import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../../../test/support/test-database';
import { schema } from '../../app/schema';
import { BillingModule } from '../../billing';
import { parseConfig } from '../../core/config';
import { CoreModule } from '../../core/core.module';
import { RequestContext, Tenant } from '../../core/tenancy';
import { AnalyticsService } from '../analytics/analytics.service';
import { MonitoringModule } from '../monitoring.module';
import { bucketOf } from './latency-histogram';
import { emptyCounters, type SeriesCell } from './series-cell';
import { SeriesStore, type ConnectionTotals } from './series.store';

const CONNECTION = '11111111-1111-4111-8111-111111111111';

describe('the time series in Postgres: minutes, hourly rollups, retention, restarts', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('series');
  const contexts: INestApplicationContext[] = [];
  let tenantId: string;
  const now = Date.now();
  const minute = (msAgo: number) => Math.floor((now - msAgo) / 60_000);

  /** One process of the deployment: the core and monitoring (with the entitlements connections ask), no HTTP, no queue consumers. */
  async function boot(): Promise<INestApplicationContext> {
    const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, DATABASE_POOL_SIZE: '3', REDIS_PREFIX: redis.prefix, MONITOR_MINUTE_RETENTION_HOURS: '3' });
    @Module({ imports: [CoreModule.forRoot({ config, plugins: { loaded: [], refused: [], disabled: [] }, schema }), BillingModule, MonitoringModule] })
    class SeriesTestModule {}
    const ctx = await NestFactory.createApplicationContext(SeriesTestModule, { logger: false, abortOnError: false });
    contexts.push(ctx);
    return ctx;
  }

  const asTenant = <T>(ctx: INestApplicationContext, fn: () => Promise<T>) =>
    ctx.get(RequestContext).runAsTenant({ kind: 'system', tenantId, actorId: 'test', role: 'admin', scopes: ['read'], plan: 'free', rateLimit: 0 }, fn);
  const day = () => ({ from: new Date(now - 24 * 3_600_000), to: new Date(now + 60_000) });
  const totals = (ctx: INestApplicationContext): Promise<ConnectionTotals> => asTenant(ctx, async () => (await ctx.get(SeriesStore).byConnection(day()))[0]);

  function cell(msAgo: number, calls: number, failures: number, ms: number, checksFailed = 0): SeriesCell {
    const c: SeriesCell = { ...emptyCounters(), tenantId, connectionId: CONNECTION, plugin: 'acme', minute: minute(msAgo), calls, errors: failures, faults: failures, errServer: failures, latencySumMs: calls * ms, checks: 1, checksFailed };
    c.latencyHist[bucketOf(ms)] = calls;
    return c;
  }

  beforeAll(async () => {
    db = await createTestDatabase('series');
    const ctx = await boot();
    tenantId = (await ctx.get(DataSource).manager.save(Tenant, { name: 'Series', slug: 'series' })).id;
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await db.drop();
    await redis.purge();
  });

  it('adds the minutes of several processes, and reads the same figures after they are rolled up into hours and deleted', async () => {
    const [a, b] = [contexts[0], await boot()];
    // five hours ago (two processes saw the same minute), four hours ago (a failed check), and ten minutes ago
    await a.get(SeriesStore).addMinutes([cell(5 * 3_600_000, 10, 0, 40), cell(4 * 3_600_000, 4, 4, 900, 1), cell(10 * 60_000, 6, 1, 120)]);
    await b.get(SeriesStore).addMinutes([cell(5 * 3_600_000, 5, 1, 40)]);
    const before = await totals(a);
    expect(before).toMatchObject({ calls: 25, errors: 6, faults: 6, errServer: 6, checks: 4, checksFailed: 1, observedMinutes: 3, upMinutes: 2 });
    expect(before.latencyHist[bucketOf(40)]).toBe(15);

    const outcome = await a.get(SeriesStore).rollup();
    expect(outcome).toMatchObject({ ran: true });
    expect(outcome.hourRows).toBeGreaterThanOrEqual(2);
    // minutes older than the retention (3 h) and than any hour still being rolled up again are gone
    expect(outcome.deletedMinuteRows).toBe(2);
    const after = await totals(b);
    expect(after).toEqual(before);
    const hours = await asTenant(a, () => a.get(SeriesStore).byBucket(day(), 'hour'));
    expect(hours.map((h) => h.calls).reduce((x, y) => x + y)).toBe(25);
  });

  it('keeps its figures across a restart', async () => {
    const before = await totals(contexts[0]);
    for (const c of contexts.splice(0)) await c.close();
    const restarted = await boot();
    expect(await totals(restarted)).toEqual(before);
    const analytics = await asTenant(restarted, () => restarted.get(AnalyticsService).integrations(day()));
    expect(analytics.plugins).toEqual([expect.objectContaining({ plugin: 'acme', calls: 25, successRate: 0.76, errorsByCategory: expect.objectContaining({ server: 6 }) })]);
    expect(await restarted.get(AnalyticsService).tenantUsage(day())).toEqual([expect.objectContaining({ tenantId, calls: 25, errors: 6, connections: 1 })]);
  });

  it('runs one rollup at a time across processes', async () => {
    const [a, b] = [contexts[0], await boot()];
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      // another process is in the middle of a rollup
      await holder.query(`SELECT pg_advisory_lock(hashtext('plugboard.monitoring.rollup'))`);
      expect(await Promise.all([a.get(SeriesStore).rollup(), b.get(SeriesStore).rollup()])).toEqual([
        { ran: false, hourRows: 0, deletedMinuteRows: 0, deletedHourRows: 0 }, { ran: false, hourRows: 0, deletedMinuteRows: 0, deletedHourRows: 0 },
      ]);
      await holder.query(`SELECT pg_advisory_unlock(hashtext('plugboard.monitoring.rollup'))`);
      expect((await b.get(SeriesStore).rollup()).ran).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
