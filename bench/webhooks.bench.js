'use strict';
/**
 * Inbound webhook bench: genuinely signed Stripe events posted to POST /webhooks/stripe/:connectionId
 * on loopback at increasing concurrency, against a bare Nest Fastify endpoint at the same path that
 * answers 200 and does nothing, measured in the same run.
 *
 *   baseline   bare NestJS 12 + FastifyAdapter, one POST route, logger off
 *   plugboard  the real API from dist/ (PLUGBOARD_ROLE=api): raw-body route, connection and secret
 *              lookup, Stripe-Signature verification (HMAC, constant-time, replay window), parse,
 *              dedupe and a durable commit with its outbox row (group commits), then 200
 *   worker     the real worker from dist/ (PLUGBOARD_ROLE=worker) processes what is accepted, so the
 *              run also shows whether processing keeps up with acceptance
 *
 * Every request carries a new event id (nothing is a duplicate) and a fresh signature, made in this
 * process for both targets so the load generator does the same work for each. The real API runs on
 * a fresh database and Redis prefix (dropped and purged at the end), NODE_ENV=production, LOG_LEVEL=warn.
 * Runs are interleaved per level (baseline, plugboard) to cancel drift. ratio = plugboard req/s /
 * baseline req/s at the same concurrency. The knee is the lowest concurrency at which Plugboard reaches
 * 90% of its best rate; targets: ratio >= 0.2 and p99 < 50 ms there.
 *
 * Env knobs: BENCH_DURATION (s per run, default 5), BENCH_WARMUP (s, default 2),
 * BENCH_LEVELS (concurrencies, default 1,8,32,64,128). BENCH_CPU_PROF=1 writes a .cpuprofile of the
 * API to $TMPDIR/plugboard-bench-profiles/ (summarise with node bench/lib/profile-summary.js <file>).
 */
const autocannon = require('autocannon');
const { createHmac } = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { createBenchDatabase, createBenchRedisPrefix, forkChild, table, machineLine, cleanUp, runBench } = require('./lib/common');

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const LEVELS = (process.env.BENCH_LEVELS ?? '1,8,32,64,128').split(',').map(Number);
const TARGET_RATIO = 0.2;
const TARGET_P99_MS = 50;
const SERVER = path.join(__dirname, 'lib', 'webhooks-server.child.js');
const DIST = path.resolve(__dirname, '..', 'dist');

function check(cond, message) {
  if (!cond) throw new Error(`pre-flight check failed: ${message}`);
}

async function http(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(url, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** A Stripe event body and its Stripe-Signature header (t=<s>,v1=<hex HMAC-SHA256 of "t.body">). */
function signedEvent(id, secret) {
  const body = JSON.stringify({ id, object: 'event', type: 'customer.updated', created: Math.floor(Date.now() / 1000), data: { object: { id: `cus_${id}`, object: 'customer', email: 'bench@example.test' } } });
  const t = Math.floor(Date.now() / 1000);
  return { body, signature: `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}` };
}

let sequence = 0;
function cannon(url, connections, duration, secret) {
  const tag = `${Date.now().toString(36)}_${connections}`;
  return autocannon({
    url, connections, pipelining: 1, duration,
    requests: [{
      method: 'POST',
      setupRequest: (req) => {
        const { body, signature } = signedEvent(`evt_${tag}_${sequence++}`, secret);
        return { ...req, body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
      },
    }],
  });
}

async function main() {
  console.log(`webhooks bench | ${machineLine()}`);
  console.log(`autocannon: concurrency ${LEVELS.join(', ')}, pipelining 1, ${DURATION} s per run after a ${WARMUP} s warm-up per target\n`);
  const db = await createBenchDatabase('webhooks');
  const redis = createBenchRedisPrefix('webhooks');
  const children = [];
  const { startSimulator } = require(path.join(DIST, 'plugins', 'stripe', 'simulator', 'stripe.simulator'));
  const sim = await startSimulator({ seed: 1 });
  try {
    const env = {
      NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, MIGRATE_ON_BOOT: 'true',
      PLUGIN_STRIPE_BASE_URL: sim.url, PORT: '0',
    };
    const profDir = path.join(os.tmpdir(), 'plugboard-bench-profiles');
    const api = await forkChild(SERVER, {
      env: { ...env, BENCH_SERVER: 'api', PLUGBOARD_ROLE: 'api' },
      execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    });
    children.push(api.child);
    const base = api.msg.url;
    console.log(`plugboard api (pid ${api.msg.pid}) on ${base}, database ${db.name}, REDIS_PREFIX ${redis.prefix}`);

    const signup = await http(`${base}/api/v1/auth/signup`, { method: 'POST', body: { tenantName: 'Bench Inc', email: `bench-${Date.now()}@example.test`, password: 'correct horse battery staple' } });
    check(signup.status === 201, `signup answered ${signup.status}: ${signup.text}`);
    const auth = { authorization: `Bearer ${signup.json().accessToken}` };
    const conn = await http(`${base}/api/v1/connections`, { method: 'POST', headers: auth, body: { plugin: 'stripe', name: 'bench', credentials: sim.credentials } });
    check(conn.status === 201, `connection answered ${conn.status}: ${conn.text}`);
    const hookPath = `/webhooks/stripe/${conn.json().id}`;
    const secret = sim.credentials.webhookSecret;

    // pre-flight: a genuine event is accepted, a redelivery is a duplicate, a forged one is refused
    const probe = signedEvent('evt_preflight', secret);
    const post = (sig, body = probe.body) => http(`${base}${hookPath}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': sig }, body: JSON.parse(body) });
    const first = await post(probe.signature);
    check(first.status === 200 && first.json().accepted === 1, `a signed event answered ${first.status}: ${first.text}`);
    check((await post(probe.signature)).json().duplicates === 1, 'a redelivery was not a duplicate');
    check((await post(signedEvent('evt_preflight', 'whsec_wrong').signature)).status === 401, 'a forged event was not refused');
    console.log('pre-flight: signed event 200 (accepted 1), redelivery 200 (duplicate), forged 401');

    const worker = await forkChild(SERVER, { env: { ...env, BENCH_SERVER: 'worker', PLUGBOARD_ROLE: 'worker', MIGRATE_ON_BOOT: 'false' } });
    children.push(worker.child);
    console.log(`plugboard worker (pid ${worker.msg.pid}) processing`);
    const baseline = await forkChild(SERVER, { env: { BENCH_SERVER: 'baseline' } });
    children.push(baseline.child);
    check((await http(`${baseline.msg.url}${hookPath}`, { method: 'POST', body: {} })).status === 200, 'the baseline did not answer 200');
    console.log(`baseline (pid ${baseline.msg.pid}) on ${baseline.msg.url}`);

    const counts = async () => (await db.query(`SELECT count(*)::int AS accepted, count(*) FILTER (WHERE status = 'processed')::int AS processed FROM webhook_events`)).rows[0];
    console.log(`\nwarm-up: ${WARMUP} s per target`);
    await cannon(`${baseline.msg.url}${hookPath}`, 8, WARMUP, secret);
    await cannon(`${base}${hookPath}`, 8, WARMUP, secret);

    const rows = [];
    const started = Date.now();
    for (const c of LEVELS) {
      const b = await cannon(`${baseline.msg.url}${hookPath}`, c, DURATION, secret);
      const before = await counts();
      const p = await cannon(`${base}${hookPath}`, c, DURATION, secret);
      const after = await counts();
      const row = {
        c, baseRps: b.requests.average, rps: p.requests.average, p50: p.latency.p50, p99: p.latency.p99,
        non2xx: p.non2xx + b.non2xx, errors: p.errors + p.timeouts + b.errors + b.timeouts,
        accepted: after.accepted - before.accepted, processedRate: (after.processed - before.processed) / p.duration, backlog: after.accepted - after.processed,
      };
      rows.push(row);
      console.log(`  c=${String(c).padStart(3)}  baseline ${row.baseRps.toFixed(0).padStart(6)} req/s | plugboard ${row.rps.toFixed(0).padStart(6)} req/s p50 ${row.p50} ms p99 ${row.p99} ms, committed ${row.accepted}, processed ${row.processedRate.toFixed(0)}/s, backlog ${row.backlog}`);
    }
    const runEnd = Date.now();
    const atEnd = await counts();
    for (;;) {
      const now = await counts();
      if (now.processed >= now.accepted) break;
      if (Date.now() - runEnd > 600_000) throw new Error(`processing did not catch up: ${now.processed} of ${now.accepted}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const drainMs = Date.now() - runEnd;
    const final = await counts();

    console.log(`\nPOST ${hookPath.replace(/[0-9a-f-]{36}/, ':connectionId')}, one signed event per request, ${DURATION} s per run\n`);
    console.log(table([
      ['concurrency', 'baseline req/s', 'plugboard req/s', 'ratio', 'p50 ms', 'p99 ms', 'processed/s', 'backlog after run'],
      ...rows.map((r) => [r.c, r.baseRps.toFixed(0), r.rps.toFixed(0), (r.rps / r.baseRps).toFixed(3), r.p50, r.p99, r.processedRate.toFixed(0), r.backlog]),
    ]));
    const best = Math.max(...rows.map((r) => r.rps));
    const knee = rows.find((r) => r.rps >= 0.9 * best);
    const clean = rows.every((r) => r.non2xx === 0 && r.errors === 0);
    console.log(`\nnon-2xx or errors during measurement: ${rows.reduce((n, r) => n + r.non2xx + r.errors, 0)}${clean ? '' : ' (NOT clean)'}`);
    console.log(`knee: concurrency ${knee.c} (first level at >= 90% of the best rate, ${best.toFixed(0)} req/s): ratio ${(knee.rps / knee.baseRps).toFixed(3)}, p99 ${knee.p99} ms`);
    console.log(`processing: ${final.processed} of ${final.accepted} accepted events processed; at the end of the runs ${atEnd.accepted - atEnd.processed} were waiting, drained in ${(drainMs / 1000).toFixed(1)} s; overall ${(final.processed / ((Date.now() - started) / 1000)).toFixed(0)} events/s processed vs ${(final.accepted / ((runEnd - started) / 1000)).toFixed(0)}/s accepted (both including the baseline's turns)`);
    const pass = clean && knee.rps / knee.baseRps >= TARGET_RATIO && knee.p99 < TARGET_P99_MS;
    console.log(`VERDICT: ${pass ? 'PASS' : 'FAIL'}: ratio ${(knee.rps / knee.baseRps).toFixed(3)} (target >= ${TARGET_RATIO}), p99 ${knee.p99} ms (target < ${TARGET_P99_MS}) at the knee`);
  } finally {
    await sim.close();
    await cleanUp({ children, db, redis, ownLoad: 3 });
  }
}

runBench('webhooks', main);
