import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { ApiModule } from '../../src/app/api.module';
import { WorkerModule } from '../../src/app/worker.module';
import { configureApp, loadPlugins } from '../../src/app/bootstrap';
import { parseConfig, type PlugboardConfig } from '../../src/core/config';
import { PluginRegistry } from '../../src/core/plugin-host';
import { RequestContext, TenantDirectory } from '../../src/core/tenancy';
import { DataSource } from 'typeorm';
import { DEFAULT_UPSTREAM_POLICY, UPSTREAM_POLICY, UpstreamClientFactory, type UpstreamPolicy } from '../../src/core/upstream';
import { ConnectionAccess } from '../../src/integrations/connections';
import { TestConnectionAccess, type TestConnection } from './test-connections';

const accessProvider = {
  inject: [PluginRegistry, RequestContext, UpstreamClientFactory],
  factory: (p: PluginRegistry, c: RequestContext, u: UpstreamClientFactory) => new TestConnectionAccess(p, c, u),
};

export function syncTestConfig(opts: { dbUrl: string; redisPrefix: string; env?: Record<string, string> }): PlugboardConfig {
  return parseConfig({
    NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: '0', DATABASE_URL: opts.dbUrl, DATABASE_POOL_SIZE: '6',
    REDIS_PREFIX: opts.redisPrefix, ...opts.env,
  });
}

/** The upstream client's policy in these tests: quick backoff; the breaker and budgets as in production unless a test says otherwise. */
export function testUpstreamPolicy(overrides: Partial<UpstreamPolicy> = {}): UpstreamPolicy {
  return { ...DEFAULT_UPSTREAM_POLICY, initialBackoffMs: 5, maxBackoffMs: 50, ...overrides };
}

export interface SyncAppOptions {
  /** the worker inside, as PLUGBOARD_ROLE=all runs it (default true) */
  withWorker?: boolean;
  policy?: Partial<UpstreamPolicy>;
}

async function listenApi(config: PlugboardConfig, opts: SyncAppOptions, testConnections: boolean): Promise<{ app: NestFastifyApplication; http(): ReturnType<typeof request> }> {
  const plugins = await loadPlugins(config, () => undefined);
  const builder = Test.createTestingModule({ imports: [ApiModule.forRoot({ config, plugins, withWorker: opts.withWorker ?? true })] })
    .overrideProvider(UPSTREAM_POLICY).useValue(testUpstreamPolicy(opts.policy));
  if (testConnections) builder.overrideProvider(ConnectionAccess).useFactory(accessProvider);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ bodyLimit: 1024 * 1024 }), { logger: false, rawBody: true });
  await configureApp(app, config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  return { app, http: () => request(url) };
}

/** The whole API where connections are the in-memory TestConnectionAccess pointed at simulators. */
export async function startSyncApiApp(config: PlugboardConfig, opts: SyncAppOptions = {}): Promise<{ app: NestFastifyApplication; access: TestConnectionAccess; http(): ReturnType<typeof request> }> {
  const { app, http } = await listenApi(config, opts, true);
  return { app, access: app.get(ConnectionAccess) as TestConnectionAccess, http };
}

/** The whole API with real connections (created over the API, credentials in the vault, status and token refresh). */
export function startConnectedApiApp(config: PlugboardConfig, opts: SyncAppOptions = {}): Promise<{ app: NestFastifyApplication; http(): ReturnType<typeof request> }> {
  return listenApi(config, opts, false);
}

/**
 * Puts a tenant on the enterprise plan: no cap on synced records (a large sync is not paused by the
 * plan) and the highest API rate limit (tests that poll are never throttled).
 */
export async function onEnterprisePlan(app: INestApplicationContext, tenantId: string): Promise<void> {
  await app.get(DataSource).query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [tenantId]);
  app.get(TenantDirectory).invalidate(tenantId);
}

/** A worker process's root, with the test connections given. */
export async function startSyncWorker(config: PlugboardConfig, connections: TestConnection[], policy: Partial<UpstreamPolicy> = {}): Promise<INestApplicationContext> {
  const plugins = await loadPlugins(config, () => undefined);
  const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ config, plugins })] })
    .overrideProvider(UPSTREAM_POLICY).useValue(testUpstreamPolicy(policy))
    .overrideProvider(ConnectionAccess).useFactory(accessProvider)
    .compile();
  const ctx = await moduleRef.init();
  const access = ctx.get(ConnectionAccess) as TestConnectionAccess;
  for (const c of connections) access.add(c);
  ctx.enableShutdownHooks();
  return ctx;
}
