'use strict';
/**
 * The workflow bench's subject, from dist/: WorkerModule (the worker root production boots: core,
 * billing, integrations, the Bull workflow processor) on a fresh database and Redis prefix, with
 * ConnectionAccess replaced by an in-memory one pointing the stripe plugin at the bench's Stripe stand-in (as the
 * sync bench does): the real upstream client, but a target without the plugin's rate budget
 * (100 req/s), which the bench exceeds on purpose.
 *
 * The triggers are fed here, in the worker, through the same path the webhook receiver uses: an
 * EventBus `webhook.received` event per inbound event, at the rate asked. Latency is taken from the
 * emit to the execution's finished_at (same machine clock).
 *
 * IPC: -> { ready, pid }
 *      <- { cmd: 'run', rate, seconds }  -> { emitted, completed, completedInWindow, windowS, lastFinish, latencies: [ms...], failed, backlog, cpuMs }
 *      <- { cmd: 'close' }
 */
const { randomUUID } = require('node:crypto');
const path = require('node:path');
const { Test } = require('@nestjs/testing');
const { DataSource } = require('typeorm');
const { feedAtRate } = require('./feed-at-rate');

const DIST = path.resolve(__dirname, '..', '..', 'dist');
const { WorkerModule } = require(path.join(DIST, 'app/worker.module'));
const { loadPlugins } = require(path.join(DIST, 'app/bootstrap'));
const { parseConfig } = require(path.join(DIST, 'core/config'));
const { PluginRegistry } = require(path.join(DIST, 'core/plugin-host'));
const { EventBus } = require(path.join(DIST, 'core/events'));
const { RequestContext } = require(path.join(DIST, 'core/tenancy'));
const { UpstreamClientFactory } = require(path.join(DIST, 'core/upstream'));
const { ConnectionAccess } = require(path.join(DIST, 'integrations/connections'));
const { WorkflowsService } = require(path.join(DIST, 'workflows'));

class BenchConnectionAccess extends ConnectionAccess {
  constructor(plugins, context, upstream) {
    super();
    this.plugins = plugins;
    this.context = context;
    this.upstream = upstream;
    this.connections = new Map();
  }

  add(c) {
    this.connections.set(c.id, c);
  }

  async open(connectionId, opts = {}) {
    const c = this.connections.get(connectionId);
    if (!c || c.tenantId !== this.context.tenantId) throw new Error(`no connection ${connectionId}`);
    const plugin = this.plugins.get(c.plugin);
    const unthrottled = { ...plugin, rateLimit: undefined, rateLimitHeaders: undefined };
    const http = this.upstream.create({ plugin: unthrottled, connectionId, tenantId: c.tenantId, baseUrl: c.baseUrl, auth: plugin.auth[0], credentials: c.credentials, recorder: opts.recorder });
    const noop = () => undefined;
    return { connectionId, plugin, context: { tenantId: c.tenantId, connectionId, http, settings: {}, logger: { debug: noop, info: noop, warn: noop } } };
  }
}

async function main() {
  const env = process.env;
  const config = parseConfig({
    NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: '0', DATABASE_URL: env.DATABASE_URL, REDIS_PREFIX: env.REDIS_PREFIX, MIGRATE_ON_BOOT: 'true',
    DATABASE_POOL_SIZE: '10', WORKFLOW_CONCURRENCY: env.WORKFLOW_CONCURRENCY ?? '100',
  });
  const plugins = await loadPlugins(config, () => undefined);
  const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot({ config, plugins })] })
    .overrideProvider(ConnectionAccess)
    .useFactory({ inject: [PluginRegistry, RequestContext, UpstreamClientFactory], factory: (p, c, u) => new BenchConnectionAccess(p, c, u) })
    .compile();
  moduleRef.useLogger(['error', 'warn']);
  const ctx = await moduleRef.init();
  const ds = ctx.get(DataSource);
  const context = ctx.get(RequestContext);
  const events = ctx.get(EventBus);

  const [tenant] = await ds.query(`INSERT INTO tenants (name, slug, plan) VALUES ('Bench', $1, 'enterprise') RETURNING id, plan`, [`bench-${randomUUID().slice(0, 8)}`]);
  const connectionId = randomUUID();
  ctx.get(ConnectionAccess).add({ id: connectionId, tenantId: tenant.id, plugin: 'stripe', baseUrl: env.SIM_URL, credentials: JSON.parse(env.SIM_CREDENTIALS) });
  const principal = { kind: 'system', tenantId: tenant.id, actorId: 'workflow-bench', role: 'owner', scopes: ['read', 'write'], plan: tenant.plan, rateLimit: 60 };
  const workflow = await context.runAsTenant(principal, async () => {
    const svc = ctx.get(WorkflowsService);
    const w = await svc.create({
      name: 'Paid invoice to a Stripe customer',
      trigger: { type: 'webhook', event: 'stripe.invoice.paid' },
      steps: [
        { id: 'big', type: 'condition', if: 'trigger.data.amount_paid > 1000', then: ['customer'], else: [] },
        { id: 'customer', type: 'plugin_action', action: 'stripe.create_customer', connectionId, input: { email: '{{ trigger.data.customer_email }}', name: 'Bench {{ trigger.eventId }}' } },
      ],
    });
    await svc.activate(w.id);
    return w;
  });

  let seq = 0;
  process.on('message', async (m) => {
    try {
      if (m.cmd === 'run') {
        const emitted = new Map();
        const cpu0 = process.cpuUsage();
        const { t0, windowEnd } = await feedAtRate(m.rate, m.seconds, () => {
          const eventId = `evt_${++seq}`;
          emitted.set(eventId, Date.now());
          events.emit('webhook.received', tenant.id, {
            plugin: 'stripe', connectionId: null, eventId, type: 'stripe.invoice.paid',
            data: { id: `in_${seq}`, amount_paid: 250000, customer_email: `payer${seq}@example.test` },
          });
        });
        // then let what is queued finish (bounded)
        const ids = [...emitted.keys()];
        let rows = [];
        for (let i = 0; i < 600; i++) {
          rows = await ds.query(
            `SELECT trigger_data->>'eventId' AS event, status, extract(epoch from finished_at) * 1000 AS finished FROM workflow_executions
              WHERE tenant_id = $1 AND trigger_data->>'eventId' = ANY($2::text[])`,
            [tenant.id, ids],
          );
          if (rows.length === ids.length && rows.every((r) => r.finished !== null)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const done = rows.filter((r) => r.finished !== null);
        const latencies = done.map((r) => Number(r.finished) - emitted.get(r.event));
        const inWindow = done.filter((r) => Number(r.finished) <= windowEnd).length;
        const cpu = process.cpuUsage(cpu0);
        process.send({
          emitted: emitted.size, created: rows.length, completed: done.length, completedInWindow: inWindow, windowS: (windowEnd - t0) / 1000,
          lastFinish: done.length ? Math.max(...done.map((r) => Number(r.finished))) - t0 : null,
          latencies, failed: done.filter((r) => r.status !== 'succeeded').length, backlog: ids.length - done.length,
          cpuMs: (cpu.user + cpu.system) / 1000,
        });
      } else if (m.cmd === 'close') {
        await ctx.close();
        process.exit(0);
      }
    } catch (e) {
      process.send({ error: e.stack ?? String(e) });
    }
  });
  process.send({ ready: true, pid: process.pid, workflowId: workflow.id });
}

main().catch((e) => {
  process.send?.({ error: e.stack ?? String(e) });
  process.exit(1);
});
