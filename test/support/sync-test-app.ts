import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { ApiModule } from '../../src/app/api.module';
import { WorkerModule } from '../../src/app/worker.module';
import { configureApp, loadPlugins } from '../../src/app/bootstrap';
import { parseConfig, type PlugboardConfig } from '../../src/core/config';
import { EventBus } from '../../src/core/events';
import { PluginRegistry } from '../../src/core/plugin-host';
import { RequestContext } from '../../src/core/tenancy';
import { ConnectionAccess } from '../../src/integrations/connections';
import { TestConnectionAccess, type TestConnection } from './test-connections';

const accessProvider = {
  inject: [PluginRegistry, EventBus, RequestContext],
  factory: (p: PluginRegistry, e: EventBus, c: RequestContext) => new TestConnectionAccess(p, e, c),
};

export function syncTestConfig(opts: { dbUrl: string; redisPrefix: string; env?: Record<string, string> }): PlugboardConfig {
  return parseConfig({
    NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: '0', DATABASE_URL: opts.dbUrl, DATABASE_POOL_SIZE: '6',
    REDIS_PREFIX: opts.redisPrefix, ...opts.env,
  });
}

/**
 * The whole API (with the worker inside, as PLUGBOARD_ROLE=all runs it) where connections are the
 * in-memory TestConnectionAccess pointed at simulators.
 */
export async function startSyncApiApp(config: PlugboardConfig, opts: { withWorker?: boolean } = {}): Promise<{ app: NestFastifyApplication; access: TestConnectionAccess; http(): ReturnType<typeof request> }> {
  const plugins = await loadPlugins(config, () => undefined);
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot({ config, plugins, withWorker: opts.withWorker ?? true })] })
    .overrideProvider(ConnectionAccess).useFactory(accessProvider)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ bodyLimit: 1024 * 1024 }), { logger: false, rawBody: true });
  await configureApp(app, config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  return { app, access: app.get(ConnectionAccess) as TestConnectionAccess, http: () => request(url) };
}

/** A worker process's root, with the test connections given. */
export async function startSyncWorker(config: PlugboardConfig, connections: TestConnection[]): Promise<INestApplicationContext> {
  const plugins = await loadPlugins(config, () => undefined);
  const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ config, plugins })] })
    .overrideProvider(ConnectionAccess).useFactory(accessProvider)
    .compile();
  const ctx = await moduleRef.init();
  const access = ctx.get(ConnectionAccess) as TestConnectionAccess;
  for (const c of connections) access.add(c);
  ctx.enableShutdownHooks();
  return ctx;
}
