'use strict';
/**
 * The sync worker under test, from dist/: WorkerModule (the worker root production boots: core,
 * integrations, the Bull sync processor) with ConnectionAccess replaced by an in-memory one that
 * points the hubspot plugin at the bench source, as test/support/test-connections.ts does in tests.
 * The upstream client is the real UpstreamClientFactory, but the target is built WITHOUT the
 * plugin's rateLimit (100 req / 10 s) and rateLimitHeaders, so no rate budget applies.
 *
 * Env: DATABASE_URL, REDIS_PREFIX, SOURCE_URL. IPC:
 *   -> { ready, pid, tenantId, connectionId }
 *   <- { cmd: 'run', mode }   starts a run through SyncRunsService.start (queued on Bull, taken by
 *                             the SyncProcessor in this process), polls it to its end
 *   -> { run, memory, cpuMs }
 *   <- { cmd: 'close' }       closes the Nest context and exits
 */
const { randomUUID } = require('node:crypto');
const path = require('node:path');
const { Test } = require('@nestjs/testing');
const { DataSource } = require('typeorm');

const DIST = path.resolve(__dirname, '..', '..', 'dist');
const { WorkerModule } = require(path.join(DIST, 'app/worker.module'));
const { loadPlugins } = require(path.join(DIST, 'app/bootstrap'));
const { parseConfig } = require(path.join(DIST, 'core/config'));
const { PluginRegistry } = require(path.join(DIST, 'core/plugin-host'));
const { EventBus } = require(path.join(DIST, 'core/events'));
const { RequestContext } = require(path.join(DIST, 'core/tenancy'));
const { UpstreamClientFactory, DEFAULT_UPSTREAM_POLICY } = require(path.join(DIST, 'core/upstream'));
const { ConnectionAccess } = require(path.join(DIST, 'integrations/connections'));
const { SyncRunsService, RETRY_WAIT_EVENT, toRunView } = require(path.join(DIST, 'integrations/sync'));

class BenchConnectionAccess extends ConnectionAccess {
  constructor(plugins, events, context) {
    super();
    this.plugins = plugins;
    this.context = context;
    this.connections = new Map();
    this.factory = new UpstreamClientFactory({ ...DEFAULT_UPSTREAM_POLICY }, {
      onRetryWait: (e) => {
        const tenantId = e.tenantId ?? context.principal?.tenantId;
        if (tenantId) events.emit(RETRY_WAIT_EVENT, tenantId, { ...e });
      },
    });
  }

  add(c) {
    this.connections.set(c.id, c);
  }

  async open(connectionId) {
    const c = this.connections.get(connectionId);
    if (!c || c.tenantId !== this.context.tenantId) throw new Error(`no connection ${connectionId}`);
    const plugin = this.plugins.get(c.plugin);
    // no rate budget in the bench: the target's plugin carries no rateLimit / rateLimitHeaders
    const unthrottled = { ...plugin, rateLimit: undefined, rateLimitHeaders: undefined };
    const http = this.factory.create({ plugin: unthrottled, connectionId, tenantId: c.tenantId, baseUrl: c.baseUrl, auth: plugin.auth[0], credentials: c.credentials });
    const noop = () => undefined;
    return { connectionId, plugin, context: { tenantId: c.tenantId, connectionId, http, settings: {}, logger: { debug: noop, info: noop, warn: noop } } };
  }
}

async function main() {
  const env = process.env;
  const config = parseConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: '0', DATABASE_URL: env.DATABASE_URL, REDIS_PREFIX: env.REDIS_PREFIX, MIGRATE_ON_BOOT: 'true',
  });
  const plugins = await loadPlugins(config, () => undefined);
  const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ config, plugins })] })
    .overrideProvider(ConnectionAccess)
    .useFactory({ inject: [PluginRegistry, EventBus, RequestContext], factory: (p, e, c) => new BenchConnectionAccess(p, e, c) })
    .compile();
  moduleRef.useLogger(['error', 'warn']);
  const ctx = await moduleRef.init();
  const access = ctx.get(ConnectionAccess);
  const ds = ctx.get(DataSource);
  const context = ctx.get(RequestContext);
  const runs = ctx.get(SyncRunsService);

  // Enterprise: no synced-records allowance, so a million-record run is not paused by the plan
  const [tenant] = await ds.query(`INSERT INTO tenants (name, slug, plan) VALUES ('Bench', $1, 'enterprise') RETURNING id, plan`, [`bench-${randomUUID().slice(0, 8)}`]);
  const connectionId = randomUUID();
  access.add({ id: connectionId, tenantId: tenant.id, plugin: 'hubspot', baseUrl: env.SOURCE_URL, credentials: { accessToken: 'pat-bench' } });
  const principal = { kind: 'system', tenantId: tenant.id, actorId: 'sync-bench', role: 'owner', scopes: ['read', 'write'], plan: tenant.plan, rateLimit: 60 };

  process.on('message', async (m) => {
    try {
      if (m.cmd === 'run') {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const started = await context.runAsTenant(principal, () => runs.start(connectionId, { entity: 'contacts', mode: m.mode ?? 'full' }));
        let run;
        let maxHeap = 0;
        let fetchedCpuMs = null;
        let fetchedMs = null; // when every page had been fetched and committed (the sweep/complete step follows)
        let timedOut = false;
        for (;;) {
          await new Promise((r) => setTimeout(r, 50));
          maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
          run = toRunView(await context.runAsTenant(principal, () => runs.get(started.id)));
          if (fetchedMs === null && run.progress.fetched) {
            fetchedMs = performance.now() - t0;
            const f = process.cpuUsage(cpu0);
            fetchedCpuMs = (f.user + f.system) / 1000;
          }
          if (['succeeded', 'failed', 'cancelled', 'paused'].includes(run.status)) break;
          if (performance.now() - t0 > m.timeoutMs) {
            timedOut = true;
            break;
          }
        }
        const totalMs = performance.now() - t0;
        const active = await ds.query(
          `SELECT state, (now() - query_start)::text AS running_for, left(regexp_replace(query, '\\s+', ' ', 'g'), 400) AS query
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`,
        );
        const c = process.cpuUsage(cpu0);
        process.send({ run, maxHeap, cpuMs: (c.user + c.system) / 1000, totalMs, fetchedMs, fetchedCpuMs, timedOut, active });
      } else if (m.cmd === 'close') {
        await ctx.close();
        process.exit(0);
      }
    } catch (e) {
      process.send({ error: e.stack ?? String(e) });
    }
  });
  process.send({ ready: true, pid: process.pid, tenantId: tenant.id, connectionId });
}

main().catch((e) => {
  process.send?.({ error: e.stack ?? String(e) });
  process.exit(1);
});
