'use strict';
/**
 * One boot of the real API, for bench/boot.bench.js: requires dist/, discovers plugins, builds the
 * app with createApiApp (as main.ts does for PLUGBOARD_ROLE=api) and listens on a random loopback
 * port; then reports over IPC and exits.
 *
 * Reported (ms): processToListen = process.uptime() once listening (node start-up, requires, plugin
 * discovery, Nest init incl. DB/Redis connect and the migration check, listen); and its parts:
 * require, discover, create (createApiApp), listen. RSS/heap in bytes right after boot, and again
 * after a full GC when run with --expose-gc.
 */
const t0 = process.hrtime.bigint();
const ms = (from, to = process.hrtime.bigint()) => Number(to - from) / 1e6;
require('reflect-metadata');
const path = require('node:path');

async function main() {
  const DIST = path.resolve(__dirname, '..', '..', 'dist');
  const tReq = process.hrtime.bigint();
  const { parseConfig } = require(path.join(DIST, 'core', 'config'));
  const { createApiApp, loadPlugins } = require(path.join(DIST, 'app', 'bootstrap'));
  const requireMs = ms(tReq);

  const config = parseConfig(process.env);
  const tDisc = process.hrtime.bigint();
  const refusals = [];
  const plugins = await loadPlugins(config, (l) => refusals.push(l));
  const discoverMs = ms(tDisc);

  const tCreate = process.hrtime.bigint();
  const app = await createApiApp(config, { withWorker: false, plugins });
  const createMs = ms(tCreate);
  const tListen = process.hrtime.bigint();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const listenMs = ms(tListen);
  const processToListenMs = process.uptime() * 1000;
  const scriptToListenMs = ms(t0);

  // prove it serves: the catalog needs auth, the liveness probe does not
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const health = await fetch(`${url}/health/live`).then((r) => r.status).catch(() => 0);

  const mem = process.memoryUsage();
  let afterGc = null;
  if (global.gc) {
    global.gc();
    global.gc();
    const m = process.memoryUsage();
    afterGc = { rss: m.rss, heapUsed: m.heapUsed };
  }
  await app.close();
  process.send({
    ok: true, loaded: plugins.loaded.length, refused: plugins.refused.length, refusals: refusals.slice(0, 3), health,
    processToListenMs, scriptToListenMs, requireMs, discoverMs, createMs, listenMs,
    rss: mem.rss, heapUsed: mem.heapUsed, afterGc,
  }, () => process.exit(0));
}

main().catch((e) => {
  process.send?.({ error: e && e.stack ? e.stack : String(e) }, () => process.exit(1));
});
