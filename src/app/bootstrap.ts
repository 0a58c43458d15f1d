import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseConfig, type PlugboardConfig } from '../core/config';
import { AuditService } from '../core/audit';
import { createRootLogger, createValidationPipe, PinoNestLogger } from '../core/http';
import { discoverPlugins, type PluginLoadReport } from '../core/plugin-host';
import { RequestContext } from '../core/tenancy';
import type { AuthenticatedRequest } from '../core/auth';
import { configureAdmin } from '../admin';
import { ApiModule } from './api.module';
import { WorkerModule } from './worker.module';
import { version as coreVersion } from '../../package.json';

export const CORE_VERSION: string = coreVersion;

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Finds the plugins before Nest starts: src/plugins (or dist/plugins) and plugboard-plugin-* packages
 * in the working directory's node_modules (or the given package folders).
 */
export function loadPlugins(config: PlugboardConfig, log: (line: string) => void, packageDirs = [join(process.cwd(), 'node_modules')]): Promise<PluginLoadReport> {
  return discoverPlugins({
    dirs: [config.PLUGINS_DIR ?? join(__dirname, '..', 'plugins')],
    packageDirs,
    disabled: config.PLUGINS_DISABLED,
    coreVersion: CORE_VERSION,
    log,
  });
}

/** Builds the API application (with the worker inside when asked), configured exactly as production runs it. */
export async function createApiApp(config: PlugboardConfig, opts: { withWorker: boolean; plugins?: PluginLoadReport }): Promise<NestFastifyApplication> {
  const root = createRootLogger(config.LOG_LEVEL);
  const plugins = opts.plugins ?? (await loadPlugins(config, (l) => root.warn(l)));
  const adapter = new FastifyAdapter({
    loggerInstance: root,
    disableRequestLogging: true,
    trustProxy: config.NODE_ENV === 'production',
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot({ config, plugins, withWorker: opts.withWorker }), adapter, {
    logger: new PinoNestLogger(root),
    rawBody: true,
    bufferLogs: false,
    // a failed boot throws to the caller (main prints it and exits; tests see the reason)
    abortOnError: false,
  });
  await configureApp(app, config);
  return app;
}

export async function configureApp(app: NestFastifyApplication, config: PlugboardConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const context = app.get(RequestContext);
  const audit = app.get(AuditService);

  // One context per request: the auth guard fills in the principal, everything below reads it.
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    context.run({ requestId: String(req.id) }, done);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const p = (req as AuthenticatedRequest).principal;
    const durationMs = Math.round(reply.elapsedTime);
    if (reply.statusCode >= 500) req.log.error({ method: req.method, url: req.url, status: reply.statusCode, durationMs, requestId: req.id }, 'request failed');
    else req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, durationMs, requestId: req.id }, 'request');
    if (MUTATING.has(req.method) && req.url.startsWith('/api/')) {
      audit.record({
        tenantId: p?.tenantId ?? null, actorType: p ? (p.kind === 'system' ? 'user' : p.kind) : 'anonymous', actorId: p?.actorId ?? null,
        method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0], status: reply.statusCode, durationMs, requestId: String(req.id), ip: req.ip,
      });
    }
    done();
  });

  await app.register(helmet as never, { contentSecurityPolicy: false } as never);
  await app.register(cors as never, { origin: config.CORS_ORIGINS.length ? config.CORS_ORIGINS : false, credentials: true } as never);
  // the admin panel's Fastify side: views, static files, cookies, its CSP, Bull Board (templates cached except in development)
  await configureAdmin(app, { production: config.NODE_ENV !== 'development' });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const doc = new DocumentBuilder()
    .setTitle('Plugboard API')
    .setDescription('One API for the SaaS platforms your product talks to. Errors are application/problem+json.')
    .setVersion(CORE_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an access token from /api/v1/auth/login, or an API key' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'api/docs-json' });
}

/** The worker: no HTTP server, only the shared core and the queue processors. */
export async function createWorkerContext(config: PlugboardConfig, plugins?: PluginLoadReport): Promise<INestApplicationContext> {
  const root = createRootLogger(config.LOG_LEVEL);
  const report = plugins ?? (await loadPlugins(config, (l) => root.warn(l)));
  const ctx = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config, plugins: report }), { logger: new PinoNestLogger(root) });
  ctx.enableShutdownHooks();
  return ctx;
}

/** Reads the configuration, or ends the process with one line naming the bad setting. */
export function configOrExit(env = process.env): PlugboardConfig {
  try {
    return parseConfig(env);
  } catch (e) {
    new Logger('Config').error((e as Error).message);
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(78);
  }
}
