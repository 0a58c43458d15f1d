'use strict';
/**
 * The server side of bench/webhooks.bench.js, forked so the load generator never shares its event loop.
 *
 *   BENCH_SERVER=api       the real API from dist/ (PLUGBOARD_ROLE=api: no queue consumers in it)
 *   BENCH_SERVER=worker    the real worker from dist/ (PLUGBOARD_ROLE=worker), processing the events
 *   BENCH_SERVER=baseline  a bare NestJS Fastify app whose POST /webhooks/:plugin/:connectionId
 *                          answers 200 with the same small JSON body and does nothing else
 *
 * Sends { ready: true, url? } over IPC once up; closes and exits on { cmd: 'close' }.
 */
require('reflect-metadata');
const path = require('node:path');

const DIST = path.resolve(__dirname, '..', '..', 'dist');

async function startApi() {
  const { parseConfig } = require(path.join(DIST, 'core', 'config'));
  const { createApiApp, loadPlugins } = require(path.join(DIST, 'app', 'bootstrap'));
  const config = parseConfig(process.env);
  const app = await createApiApp(config, { withWorker: false, plugins: await loadPlugins(config, () => undefined) });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  return app;
}

async function startWorker() {
  const { parseConfig } = require(path.join(DIST, 'core', 'config'));
  const { createWorkerContext } = require(path.join(DIST, 'app', 'bootstrap'));
  return createWorkerContext(parseConfig(process.env));
}

async function startBaseline() {
  const { Controller, HttpCode, Module, Post } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  class HookController {
    receive() {
      return { accepted: 1, duplicates: 0 };
    }
  }
  const d = Object.getOwnPropertyDescriptor(HookController.prototype, 'receive');
  Post(':plugin/:connectionId')(HookController.prototype, 'receive', d);
  HttpCode(200)(HookController.prototype, 'receive', d);
  Controller('webhooks')(HookController);
  class BaselineModule {}
  Module({ controllers: [HookController] })(BaselineModule);
  const app = await NestFactory.create(BaselineModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

async function main() {
  const kind = process.env.BENCH_SERVER;
  const start = { api: startApi, worker: startWorker, baseline: startBaseline }[kind];
  if (!start) throw new Error(`BENCH_SERVER must be api, worker or baseline, not ${kind}`);
  const app = await start();
  const url = kind === 'worker' ? null : (await app.getUrl()).replace('[::1]', '127.0.0.1');
  process.on('message', (m) => {
    if (m && m.cmd === 'close') app.close().finally(() => process.exit(0));
  });
  process.send({ ready: true, url, pid: process.pid });
}

main().catch((e) => {
  process.send?.({ error: e && e.stack ? e.stack : String(e) });
  process.exit(1);
});
