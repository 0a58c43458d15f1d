'use strict';
/**
 * The server side of bench/api.bench.js, run as a forked child so the load generator (autocannon,
 * in the parent) never shares this event loop.
 *
 *   BENCH_SERVER=plugboard  the real API from dist/ (createApiApp + listen), configured from the env
 *                           the parent passes (fresh DATABASE_URL, own REDIS_PREFIX, LOG_LEVEL...)
 *   BENCH_SERVER=baseline   a bare NestJS Fastify app: one controller serving, at the same path, the
 *                           exact JSON object read from BENCH_BODY_FILE (the real catalog response)
 *
 * Sends { ready: true, url } over IPC once listening; closes and exits on { cmd: 'close' }.
 * Run the parent with BENCH_CPU_PROF=1 to get a .cpuprofile of this process ($TMPDIR/plugboard-bench-profiles/), and
 * with BENCH_REDIS_AUTOPIPELINING=1 for the auto-pipelining experiment (see below).
 */
require('reflect-metadata');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const DIST = path.resolve(__dirname, '..', '..', 'dist');

async function startPlugboard() {
  const { parseConfig } = require(path.join(DIST, 'core', 'config'));
  const { createApiApp, loadPlugins } = require(path.join(DIST, 'app', 'bootstrap'));
  const config = parseConfig(process.env);
  const plugins = await loadPlugins(config, () => undefined);
  const app = await createApiApp(config, { withWorker: false, plugins });
  if (process.env.BENCH_REDIS_AUTOPIPELINING === '1') {
    // EXPERIMENT ONLY (not how Plugboard ships): batch the shared Redis client's commands issued in
    // one event-loop tick into one socket write, to measure what the limiter's per-request write costs.
    const { REDIS } = require(path.join(DIST, 'core', 'redis'));
    app.get(REDIS).options.enableAutoPipelining = true;
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

async function startBaseline() {
  const { Controller, Get, Module } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  const body = JSON.parse(readFileSync(process.env.BENCH_BODY_FILE, 'utf8'));

  class CatalogController {
    list() {
      return body;
    }
  }
  Get()(CatalogController.prototype, 'list', Object.getOwnPropertyDescriptor(CatalogController.prototype, 'list'));
  Controller('api/v1/plugins')(CatalogController);
  class BaselineModule {}
  Module({ controllers: [CatalogController] })(BaselineModule);

  const app = await NestFactory.create(BaselineModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

async function main() {
  const kind = process.env.BENCH_SERVER;
  const app = kind === 'baseline' ? await startBaseline() : kind === 'plugboard' ? await startPlugboard() : null;
  if (!app) throw new Error(`BENCH_SERVER must be baseline or plugboard, not ${kind}`);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.on('message', (m) => {
    if (m && m.cmd === 'close') {
      // exit normally (not by signal) so --cpu-prof can write its profile
      app.close().finally(() => process.exit(0));
    }
  });
  process.send({ ready: true, url, pid: process.pid });
}

main().catch((e) => {
  process.send?.({ error: e && e.stack ? e.stack : String(e) });
  process.exit(1);
});
