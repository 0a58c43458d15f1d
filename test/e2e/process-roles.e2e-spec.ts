import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { createWorkerContext, loadPlugins } from '../../src/app/bootstrap';
import { parseConfig } from '../../src/core/config';
import { PluginRegistry } from '../../src/core/plugin-host';
import { SYNC_QUEUE } from '../../src/integrations';
import { createTestDatabase, createTestRedisPrefix } from '../support/test-database';

describe('process roles', () => {
  it('boots the worker root without an HTTP server, with the same core and plugins', async () => {
    const db = await createTestDatabase('worker');
    const redis = createTestRedisPrefix('worker');
    const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PLUGBOARD_ROLE: 'worker', DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix });
    const ctx = await createWorkerContext(config, await loadPlugins(config, () => undefined));
    try {
      // A consumer opens its blocking Redis client lazily after boot; closing before that client is up
      // makes ioredis reject its pending connect. A real worker lives longer than that: wait for it.
      const queue = ctx.get<Queue & { clients: { status: string }[] }>(getQueueToken(SYNC_QUEUE));
      await queue.isReady();
      for (let i = 0; i < 200 && !(queue.clients.length >= 3 && queue.clients.every((c) => c.status === 'ready')); i++) await new Promise((r) => setTimeout(r, 25));
      expect(await ctx.get(DataSource).showMigrations()).toBe(false);
      expect(ctx.get(PluginRegistry).list().map((p) => p.name)).toEqual(expect.arrayContaining(['hubspot', 'stripe']));
      expect((ctx as unknown as { getHttpServer?: unknown }).getHttpServer).toBeUndefined();
    } finally {
      await ctx.close();
      await db.drop();
      await redis.purge();
    }
  });
});
