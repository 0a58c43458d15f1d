'use strict';
/**
 * API throughput bench: GET /api/v1/plugins (the plugin catalog) through the whole Plugboard stack,
 * against a bare NestJS + Fastify app serving the same JSON body, measured in the same run.
 *
 *   baseline  bare NestJS 12 + FastifyAdapter, one controller, logger off, returns the exact catalog
 *             object the real API returned (fetched once, written to a temp file)
 *   jwt       the real API from dist/ with `Authorization: Bearer <access token>`
 *   apikey    the real API from dist/ with `Authorization: Bearer pb_...` (an API key, scope read)
 *
 * The real API runs on a fresh database (pb_bench_api_<rand>, migrated at boot, dropped at the end)
 * and its own REDIS_PREFIX (keys deleted at the end), NODE_ENV=production, PLUGBOARD_ROLE=api (no
 * worker in the process), LOG_LEVEL=warn. The bench tenant's rate_limit_override is set to
 * 100,000,000/min in SQL, so the tier limiter runs on every request (Redis round trip, X-RateLimit-*
 * headers) but never answers 429.
 *
 * Each server is a forked child process; autocannon runs in this (parent) process so it does not
 * share the server's event loop. The machine has 2 cores: load generator, server, Redis and Postgres
 * share them, so absolute numbers mean little; read the RATIO subject/baseline, which is measured
 * in the same run with the runs interleaved (baseline, jwt, apikey, apikey, jwt, baseline) to cancel
 * drift. ratio = mean req/s of the subject / mean req/s of the baseline; 1.0 would be "Plugboard's
 * stack costs nothing"; the target is >= 0.3. Each run also prints the server child's CPU use (from
 * /proc) and autocannon's: a server near 100% means the run measured the server, not the client.
 *
 * Env knobs: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS (50),
 * BENCH_ROUNDS (1 round = B,J,K,K,J,B; default 1), BENCH_CPU_PROF=1 (write a .cpuprofile of the
 * Plugboard server to $TMPDIR/plugboard-bench-profiles/; summarise with node bench/lib/profile-summary.js <file>),
 * BENCH_REDIS_AUTOPIPELINING=1 (experiment: turns on ioredis enableAutoPipelining on the app's shared
 * Redis client after boot; not the shipped configuration).
 */
const autocannon = require('autocannon');
const { mkdtempSync, writeFileSync, rmSync, mkdirSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createBenchDatabase, createBenchRedisPrefix, forkChild, stopChild, mean, table, machineLine, loadWarning, cpuSeconds } = require('./lib/common');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const TARGET_RATIO = 0.3;
const RATE_LIMIT_OVERRIDE = 100_000_000;
const CATALOG = '/api/v1/plugins';
const SERVER = path.join(__dirname, 'lib', 'api-server.child.js');

async function http(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

function check(cond, message) {
  if (!cond) throw new Error(`pre-flight check failed: ${message}`);
}

function cannon(url, headers, duration) {
  return autocannon({ url, headers, connections: CONNECTIONS, pipelining: 1, duration });
}

async function main() {
  console.log(`api bench | ${machineLine()}`);
  console.log(`autocannon: ${CONNECTIONS} connections, pipelining 1, ${DURATION} s per run after a ${WARMUP} s warm-up per target\n`);

  const db = await createBenchDatabase('api');
  const redis = createBenchRedisPrefix('api');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pb-api-bench-'));
  const children = [];
  try {
    // --- the real API -----------------------------------------------------------------------
    const profDir = path.join(os.tmpdir(), 'plugboard-bench-profiles');
    if (process.env.BENCH_CPU_PROF) mkdirSync(profDir, { recursive: true });
    const pb = await forkChild(SERVER, {
      env: {
        BENCH_SERVER: 'plugboard', NODE_ENV: 'production', PLUGBOARD_ROLE: 'api', PORT: '0', LOG_LEVEL: 'warn',
        DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, MIGRATE_ON_BOOT: 'true',
        BENCH_REDIS_AUTOPIPELINING: process.env.BENCH_REDIS_AUTOPIPELINING ?? '',
      },
      execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    });
    children.push(pb.child);
    const pbUrl = pb.msg.url;
    console.log(`plugboard (pid ${pb.msg.pid}) on ${pbUrl}, database ${db.name}, REDIS_PREFIX ${redis.prefix}`);
    if (process.env.BENCH_REDIS_AUTOPIPELINING === '1') console.log('EXPERIMENT: enableAutoPipelining turned on for the shared Redis client (not the shipped configuration)');

    const email = `bench-${Date.now()}@example.test`;
    const signup = await http(`${pbUrl}/api/v1/auth/signup`, { method: 'POST', body: { tenantName: 'Bench Inc', email, password: 'correct horse battery staple' } });
    check(signup.status === 201, `signup answered ${signup.status}: ${signup.text}`);
    const session = signup.json();
    // Before any authenticated request, so the tenant cache (5 s TTL) first reads the override.
    const upd = await db.query('UPDATE tenants SET rate_limit_override = $1 WHERE id = $2', [RATE_LIMIT_OVERRIDE, session.tenant.id]);
    check(upd.rowCount === 1, 'tenant row not found for the rate-limit override');
    console.log(`tenant ${session.tenant.id}: rate_limit_override = ${RATE_LIMIT_OVERRIDE}/min set in SQL, so the limiter counts every request but never blocks`);

    const jwtHeaders = { authorization: `Bearer ${session.accessToken}` };
    const created = await http(`${pbUrl}/api/v1/api-keys`, { method: 'POST', headers: jwtHeaders, body: { name: 'bench', scopes: ['read'] } });
    check(created.status === 201, `creating an API key answered ${created.status}: ${created.text}`);
    const keyHeaders = { authorization: `Bearer ${created.json().key}` };

    const targets = [];
    let catalogText;
    for (const [name, headers] of [['jwt', jwtHeaders], ['apikey', keyHeaders]]) {
      const r = await http(`${pbUrl}${CATALOG}`, { headers });
      check(r.status === 200, `${name}: GET ${CATALOG} answered ${r.status}: ${r.text}`);
      const limit = r.headers.get('x-ratelimit-limit');
      const remaining = r.headers.get('x-ratelimit-remaining');
      check(limit === String(RATE_LIMIT_OVERRIDE), `${name}: X-RateLimit-Limit is ${limit}, expected ${RATE_LIMIT_OVERRIDE} (is the limiter on the path?)`);
      check(remaining !== null, `${name}: no X-RateLimit-Remaining header`);
      check(catalogText === undefined || catalogText === r.text, `${name}: catalog body differs between credentials`);
      catalogText = r.text;
      console.log(`pre-flight ${name}: 200, X-RateLimit-Limit ${limit}, X-RateLimit-Remaining ${remaining}, body ${r.text.length} bytes`);
      targets.push({ name, url: `${pbUrl}${CATALOG}`, headers, pid: pb.msg.pid });
    }
    const catalog = JSON.parse(catalogText);
    console.log(`catalog: ${catalog.data.length} plugins (${catalog.data.map((p) => p.name).join(', ')})`);

    // --- the baseline, serving that exact object ----------------------------------------------
    const bodyFile = path.join(tmp, 'catalog.json');
    writeFileSync(bodyFile, catalogText);
    const base = await forkChild(SERVER, { env: { BENCH_SERVER: 'baseline', BENCH_BODY_FILE: bodyFile } });
    children.push(base.child);
    const b = await http(`${base.msg.url}${CATALOG}`);
    check(b.status === 200 && b.text === catalogText, `baseline answered ${b.status} with a different body`);
    console.log(`baseline (pid ${base.msg.pid}) on ${base.msg.url}: same body, ${b.text.length} bytes`);
    targets.unshift({ name: 'baseline', url: `${base.msg.url}${CATALOG}`, headers: {}, pid: base.msg.pid });

    // --- measure ----------------------------------------------------------------------------------
    const [B, J, K] = targets;
    console.log(`\nwarm-up: ${WARMUP} s per target`);
    for (const t of targets) await cannon(t.url, t.headers, WARMUP);

    const order = [];
    for (let i = 0; i < ROUNDS; i++) order.push(B, J, K, K, J, B);
    const runs = [];
    // For the Plugboard runs, a probe before and after reads X-RateLimit-Remaining: the drop should
    // equal the requests the run sent (unless the limiter's 60 s window rolled over mid-run).
    const remaining = async (t) => Number((await http(t.url, { headers: t.headers })).headers.get('x-ratelimit-remaining'));
    for (const t of order) {
      const before = t === B ? null : await remaining(t);
      const srv0 = cpuSeconds(t.pid);
      const gen0 = process.cpuUsage();
      const r = await cannon(t.url, t.headers, DURATION);
      const gen = process.cpuUsage(gen0);
      const srv = srv0 === null ? null : (cpuSeconds(t.pid) - srv0) / r.duration;
      const run = {
        name: t.name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
        total: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
      };
      runs.push(run);
      if (before !== null) {
        const counted = before - (await remaining(t)) - 1;
        run.limiter = counted >= 0 ? `limiter counted ${counted} = ${run.total} completed + ${counted - run.total} in flight at the stop` : 'limiter window rolled over mid-run';
      }
      const cpu = `server CPU ${srv === null ? '?' : `${(srv * 100).toFixed(0)}%`}, autocannon CPU ${(((gen.user + gen.system) / 1e6 / r.duration) * 100).toFixed(0)}%`;
      console.log(`  ${t.name.padEnd(8)} ${run.rps.toFixed(0).padStart(7)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  (${run.total} requests, non-2xx ${run.non2xx}, errors ${run.errors}; ${cpu}${run.limiter ? `; ${run.limiter}` : ''})`);
    }

    const after = await http(`${pbUrl}${CATALOG}`, { headers: jwtHeaders });
    console.log(`after: ${after.status}, X-RateLimit-Remaining ${after.headers.get('x-ratelimit-remaining')} of ${after.headers.get('x-ratelimit-limit')} (the limiter counted every request, blocked none)`);

    // --- report -----------------------------------------------------------------------------------
    const summary = targets.map((t) => {
      const rs = runs.filter((r) => r.name === t.name);
      return {
        name: t.name, rps: mean(rs.map((r) => r.rps)), p50: mean(rs.map((r) => r.p50)), p99: mean(rs.map((r) => r.p99)),
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0), errors: rs.reduce((a, r) => a + r.errors + r.timeouts, 0), n: rs.length,
      };
    });
    const baseRps = summary[0].rps;
    console.log(`\nGET ${CATALOG}, mean of ${summary[0].n} interleaved runs of ${DURATION} s each (${CONNECTIONS} connections)\n`);
    console.log(table([
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'ratio vs baseline'],
      ...summary.map((s) => [s.name, s.rps.toFixed(0), s.p50.toFixed(1), s.p99.toFixed(1), s.non2xx, s.errors, (s.rps / baseRps).toFixed(3)]),
    ]));

    const subjects = summary.slice(1);
    const clean = summary.every((s) => s.non2xx === 0 && s.errors === 0);
    const pass = clean && subjects.every((s) => s.rps / baseRps >= TARGET_RATIO);
    console.log(`\nnon-2xx responses during measurement: ${summary.reduce((a, s) => a + s.non2xx, 0)}${clean ? '' : ' (NOT clean: a ratio over failed requests means nothing)'}`);
    console.log(`VERDICT: ${pass ? 'PASS' : 'FAIL'}: ${subjects.map((s) => `${s.name} ${(s.rps / baseRps).toFixed(3)}`).join(', ')} vs target ratio >= ${TARGET_RATIO}`);
    const close = subjects.filter((s) => Math.abs(s.rps / baseRps - TARGET_RATIO) < 0.1 * TARGET_RATIO);
    if (close.length) console.log(`note: ${close.map((s) => s.name).join(', ')} within 10% of the target, inside this machine's run-to-run noise; rerun (BENCH_ROUNDS=2 averages more runs) before reading PASS/FAIL as a change`);
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    if (process.env.BENCH_CPU_PROF) console.log(`cpu profile of the plugboard server written to ${path.join(os.tmpdir(), 'plugboard-bench-profiles')}/`);
    await db.drop().catch((e) => console.error(`could not drop ${db.name}: ${e.message}`));
    const deleted = await redis.purge().catch((e) => (console.error(`could not purge ${redis.prefix}: ${e.message}`), 0));
    rmSync(tmp, { recursive: true, force: true });
    console.log(`machine at the end: ${machineLine()}`);
    if (loadWarning(2)) console.log(loadWarning(2));
    console.log(`cleanup: dropped ${db.name}, deleted ${deleted} Redis keys under ${redis.prefix}:*`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`api bench failed: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
