import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp, loadPlugins } from '../../src/app/bootstrap';
import { parseConfig, type PlugboardConfig } from '../../src/core/config';
import type { PluginLoadReport } from '../../src/core/plugin-host';
import { TenantDirectory, type PlanId } from '../../src/core/tenancy';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  config: PlugboardConfig;
  db: TestDatabase;
  plugins: PluginLoadReport;
  http(): ReturnType<typeof request>;
  /** signs up a new tenant and returns its owner's token and ids */
  signup(label?: string): Promise<TenantSession>;
  /** puts a tenant on a plan as an operator would (without billing), e.g. Starter for a test that needs a second user */
  setPlan(tenantId: string, plan: PlanId): Promise<void>;
  close(): Promise<void>;
}

export interface TenantSession {
  tenantId: string;
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

let counter = 0;

/**
 * The whole API as production builds it, on a database and Redis prefix of its own, listening on a
 * random loopback port. `env` overrides any setting; a shared `db`/`redisPrefix` lets two apps act as
 * two processes of one deployment.
 */
export async function startTestApp(opts: {
  env?: Record<string, string>; db?: TestDatabase; redisPrefix?: string; label?: string;
  /** consume the queues in the same process (PLUGBOARD_ROLE=all) */
  withWorker?: boolean;
  /** listen on this port (to know the URL before boot, for PUBLIC_URL); a random one by default */
  port?: number;
  /** node_modules folders to load plugboard-plugin-* packages from, instead of the project's */
  packageDirs?: string[];
} = {}): Promise<TestApp> {
  const label = opts.label ?? 'e2e';
  const db = opts.db ?? (await createTestDatabase(label));
  const redis = opts.redisPrefix ? null : createTestRedisPrefix(label);
  const config = parseConfig({
    NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: '0',
    DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4', REDIS_PREFIX: opts.redisPrefix ?? redis!.prefix,
    ...opts.env,
  });
  const plugins = await loadPlugins(config, () => undefined, opts.packageDirs);
  const app = await createApiApp(config, { withWorker: opts.withWorker ?? false, plugins });
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  const http = () => request(url);
  return {
    app, url, config, db, plugins, http,
    async signup(who = 'owner') {
      const email = `${who}-${process.pid}-${++counter}-${Date.now()}@example.test`;
      const password = 'correct horse battery staple';
      const res = await http().post('/api/v1/auth/signup').send({ email, password, tenantName: `${who} inc` });
      if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
      const b = res.body;
      return {
        tenantId: b.tenant.id, userId: b.user.id, email, password,
        accessToken: b.accessToken, refreshToken: b.refreshToken, auth: { Authorization: `Bearer ${b.accessToken}` },
      };
    },
    async setPlan(tenantId, plan) {
      await app.get(DataSource).query('UPDATE tenants SET plan = $2 WHERE id = $1', [tenantId, plan]);
      app.get(TenantDirectory).invalidate(tenantId);
    },
    async close() {
      await app.close();
      if (!opts.db) await db.drop();
      await redis?.purge();
    },
  };
}

/** A loopback port free right now, for an app whose URL must be known before it boots (PUBLIC_URL). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
