import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AuditService } from '../core/audit';
import { QueueInspector } from '../core/queue';
import type { AdminRequest } from './admin-scope';
import { AdminSessions } from './session/admin-sessions.service';
import { SESSION_COOKIE } from './session/admin-session.guard';
import { readCookie } from './session/cookies';
import { createAdminHandlebars } from './views/admin-handlebars';

export const ADMIN_VIEWS_DIR = join(__dirname, 'views');
export const ADMIN_PUBLIC_DIR = join(__dirname, 'public');
export const QUEUES_PATH = '/admin/queues';

/** The panel's own pages: its stylesheet and script only, no inline code, no framing. */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** Bull Board's bundled UI sets inline styles; its scripts are still its own files only. */
const QUEUES_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Mounts what the panel needs on the Fastify instance (called by configureApp, before the app starts):
 * the Handlebars views, its static files, its Content-Security-Policy, an audit entry for
 * every action, and Bull Board under /admin/queues behind the same session.
 */
export async function configureAdmin(app: NestFastifyApplication, opts: { production: boolean }): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await app.register(fastifyView as never, {
    engine: { handlebars: createAdminHandlebars() },
    root: ADMIN_VIEWS_DIR,
    // Bull Board registers @fastify/view as `view` in its own scope; ours must not take that name
    propertyName: 'adminView',
    production: opts.production,
    // every file of views/partials is a partial, by its name
    options: { partials: Object.fromEntries(readdirSync(join(ADMIN_VIEWS_DIR, 'partials')).map((f) => [basename(f, '.hbs'), `partials/${f}`])) },
  } as never);
  await app.register(fastifyStatic as never, { root: ADMIN_PUBLIC_DIR, prefix: '/admin/assets/', decorateReply: false, index: false, maxAge: opts.production ? '1h' : 0 } as never);

  fastify.addHook('onRequest', (req, reply, done) => {
    if (req.url.startsWith('/admin')) {
      void reply.header('content-security-policy', req.url.startsWith(QUEUES_PATH) ? QUEUES_CSP : PAGE_CSP);
      void reply.header('referrer-policy', 'same-origin');
    }
    done();
  });
  const audit = app.get(AuditService);
  fastify.addHook('onResponse', (req: AdminRequest, reply, done) => {
    if (MUTATING.has(req.method) && req.url.startsWith('/admin')) {
      const s = req.adminSession;
      audit.record({
        tenantId: req.adminTenantId ?? s?.tenantId ?? null, actorType: s ? (s.role === 'operator' ? 'operator' : 'user') : 'anonymous', actorId: s?.actorId ?? null,
        method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0], status: reply.statusCode, durationMs: Math.round(reply.elapsedTime),
        requestId: String(req.id), ip: req.ip,
      });
    }
    done();
  });

  await mountQueueBoard(app, fastify);
}

/**
 * Bull Board over every Bull queue of the process, found through Nest's DiscoveryService (the queue
 * inspector), so an area's new queue appears without being named here. Its routes are Fastify's, not
 * Nest's: the session check is a hook of their scope, for operators only, and its API calls (retry,
 * clean) must come from the panel's own origin, as it sends no CSRF token.
 */
async function mountQueueBoard(app: NestFastifyApplication, fastify: FastifyInstance): Promise<void> {
  const board = new BullBoardFastifyAdapter();
  board.setBasePath(QUEUES_PATH);
  // @bull-board/fastify pins its own copy of @bull-board/api: the same shapes, types declared twice
  createBullBoard({ queues: app.get(QueueInspector).queues().map((q) => new BullAdapter(q)), serverAdapter: board as never, options: { uiConfig: { boardTitle: 'Plugboard queues' } } });
  const sessions = app.get(AdminSessions);
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const session = await sessions.read(readCookie(req, SESSION_COOKIE));
      if (!session) return reply.redirect(`/admin/login?next=${encodeURIComponent(QUEUES_PATH)}`, 303);
      (req as AdminRequest).adminSession = session;
      if (session.role !== 'operator') return reply.code(403).type('text/plain; charset=utf-8').send('the queues are for operators');
      if (MUTATING.has(req.method) && !sameOrigin(req)) return reply.code(403).type('text/plain; charset=utf-8').send('cross-origin request refused');
      return undefined;
    });
    await scope.register(board.registerPlugin() as never);
  }, { prefix: QUEUES_PATH });
}

/** The request's Origin (or, failing that, its Referer) names this host. */
function sameOrigin(req: FastifyRequest): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (!source) return false;
  try {
    return new URL(source).host === req.headers.host;
  } catch {
    return false;
  }
}
