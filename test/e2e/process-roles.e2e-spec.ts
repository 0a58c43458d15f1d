import { DataSource } from 'typeorm';
import { createWorkerContext, loadPlugins } from '../../src/app/bootstrap';
import { parseConfig } from '../../src/core/config';
import { PluginRegistry } from '../../src/core/plugin-host';
import { createTestDatabase, createTestRedisPrefix } from '../support/test-database';

describe('process roles', () => {
  it('boots the worker root without an HTTP server, with the same core and plugins', async () => {
    const db = await createTestDatabase('worker');
    const redis = createTestRedisPrefix('worker');
    const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PLUGBOARD_ROLE: 'worker', DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix });
    const ctx = await createWorkerContext(config, await loadPlugins(config, () => undefined));
    try {
      expect(await ctx.get(DataSource).showMigrations()).toBe(false);
      expect(ctx.get(PluginRegistry).list().map((p) => p.name).sort()).toEqual(['hubspot', 'stripe']);
      expect((ctx as unknown as { getHttpServer?: unknown }).getHttpServer).toBeUndefined();
    } finally {
      await ctx.close();
      await db.drop();
      await redis.purge();
    }
  });
});
