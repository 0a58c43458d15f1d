import { InjectQueue, Process, Processor, BullModule } from '@nestjs/bull';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import Bull, { type Job, type Queue } from 'bull';
import { DataSource } from 'typeorm';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../../../test/support/test-database';
import { ApiKey } from '../auth';
import { parseConfig } from '../config';
import { CoreModule } from '../core.module';
import { RequestContext, TenantDb, Tenant } from '../tenancy';
import { TenantJobs, type TenantJobData } from './tenant-job';

const PROBE = 'probe';

/** Records, per job, which tenant the handler ran as and what tenant-scoped rows it could see. */
@Injectable()
@Processor(PROBE)
class ProbeProcessor {
  readonly seen: Record<string, { tenantId: string; keyNames: string[] }> = {};

  constructor(private readonly jobs: TenantJobs, private readonly db: TenantDb, private readonly context: RequestContext) {}

  @Process({ name: 'look', concurrency: 1 })
  look(job: Job<TenantJobData & { slowMs?: number }>): Promise<void> {
    return this.jobs.run(job, async () => {
      if (job.data.slowMs) await new Promise((r) => setTimeout(r, job.data.slowMs));
      const keys = await this.db.repo(ApiKey).find();
      this.seen[String(job.id)] = { tenantId: this.context.tenantId, keyNames: keys.map((k) => k.name) };
    });
  }
}

@Injectable()
class ProbeProducer {
  constructor(@InjectQueue(PROBE) readonly queue: Queue, readonly jobs: TenantJobs, readonly context: RequestContext) {}
}

describe('tenant jobs on Bull', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('queue');
  let ctx: INestApplicationContext;
  let tenants: Tenant[];

  async function boot(): Promise<INestApplicationContext> {
    const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix });
    @Module({ imports: [CoreModule.forRoot({ config, plugins: { loaded: [], refused: [], disabled: [] } }), BullModule.registerQueue({ name: PROBE })], providers: [ProbeProcessor, ProbeProducer] })
    class ProbeModule {}
    const app = await NestFactory.createApplicationContext(ProbeModule, { logger: false, abortOnError: false });
    app.enableShutdownHooks();
    return app;
  }

  const principal = (t: Tenant) => ({ kind: 'user' as const, tenantId: t.id, actorId: 'u', role: 'owner' as const, scopes: ['read' as const], plan: t.plan, rateLimit: 60 });

  async function waitFor<T>(fn: () => T | undefined, ms = 10_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('queue');
    ctx = await boot();
    const ds = ctx.get(DataSource);
    tenants = [await ds.manager.save(ds.manager.create(Tenant, { name: 'A', slug: 'qa' })), await ds.manager.save(ds.manager.create(Tenant, { name: 'B', slug: 'qb' }))];
    for (const [i, t] of tenants.entries()) {
      await ds.manager.insert(ApiKey, { tenantId: t.id, name: `key-of-${i}`, prefix: `pb_${i}`, keyHash: `h${i}`, scopes: ['read'] });
    }
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await ctx.close();
    await db.drop();
    await redis.purge();
  });

  it('carries the tenant id and runs the handler inside that tenant only', async () => {
    const p = ctx.get(ProbeProducer);
    const jobA = await p.context.runAsTenant(principal(tenants[0]), () => p.jobs.enqueue(p.queue, 'look', {}));
    const jobB = await p.context.runAsTenant(principal(tenants[1]), () => p.jobs.enqueue(p.queue, 'look', {}));
    expect(jobA.data.tenantId).toBe(tenants[0].id);
    const probe = ctx.get(ProbeProcessor);
    expect(await waitFor(() => probe.seen[String(jobA.id)])).toEqual({ tenantId: tenants[0].id, keyNames: ['key-of-0'] });
    expect(await waitFor(() => probe.seen[String(jobB.id)])).toEqual({ tenantId: tenants[1].id, keyNames: ['key-of-1'] });
  });

  it('refuses to enqueue outside a tenant, and keeps a job without tenant as failed for inspection', async () => {
    const p = ctx.get(ProbeProducer);
    expect(() => p.jobs.enqueue(p.queue, 'look', {})).toThrow(/no tenant/);
    const rogue = await p.queue.add('look', {}, { attempts: 1 });
    let state = '';
    for (let i = 0; i < 200 && state !== 'failed'; i++) {
      state = await (await p.queue.getJob(rogue.id))!.getState();
      if (state !== 'failed') await new Promise((r) => setTimeout(r, 25));
    }
    expect(state).toBe('failed');
    expect((await p.queue.getJob(rogue.id))!.failedReason).toMatch(/carries no tenantId/);
  });

  it('finishes the in-flight job on graceful shutdown', async () => {
    const p = ctx.get(ProbeProducer);
    const probe = ctx.get(ProbeProcessor);
    const job = await p.context.runAsTenant(principal(tenants[0]), () => p.jobs.enqueue(p.queue, 'look', { slowMs: 800 }));
    for (let i = 0; i < 200 && (await job.getState()) !== 'active'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await job.getState()).toBe('active');
    await ctx.close();
    closed = true;
    expect(probe.seen[String(job.id)]).toEqual({ tenantId: tenants[0].id, keyNames: ['key-of-0'] });
    const queue = new Bull(PROBE, { redis: 'redis://127.0.0.1:6379', prefix: `${redis.prefix}:bull` } as never);
    try {
      expect(await (await queue.getJob(job.id))!.getState()).toBe('completed');
    } finally {
      await queue.close();
    }
  });
});
