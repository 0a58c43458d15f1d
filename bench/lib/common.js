'use strict';
/**
 * Shared helpers for the benches: a throw-away Postgres database, a unique Redis prefix that can be
 * purged, forking a child that reports over IPC, and small statistics/formatting helpers.
 * Everything here is plain CommonJS and talks to the same services the app uses.
 */
const { fork } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { execSync } = require('node:child_process');
const { readFileSync, readdirSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');
const { Client } = require('pg');

const ROOT = path.resolve(__dirname, '..', '..');
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function sql(url, text, params) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

/** CREATE DATABASE pb_bench_<label>_<rand>; drop() removes it (WITH FORCE, so lingering pools don't block it). */
async function createBenchDatabase(label) {
  const name = `pb_bench_${label}_${randomBytes(4).toString('hex')}`;
  await sql(ADMIN_URL, `CREATE DATABASE "${name}"`);
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    name,
    url,
    query: (text, params) => sql(url, text, params),
    drop: () => sql(ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
  };
}

/** A REDIS_PREFIX of our own; purge() deletes every key under it and returns how many it deleted. */
function createBenchRedisPrefix(label) {
  const prefix = `pbbench:${label}:${randomBytes(4).toString('hex')}`;
  return {
    prefix,
    async purge() {
      const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
      let deleted = 0;
      try {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          if (keys.length) deleted += await r.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
      return deleted;
    },
  };
}

/**
 * Forks a child script and resolves with { child, msg } on its first IPC message (the child sends
 * { ready: true, ... } once listening, or { error } if it failed).
 */
function forkChild(script, { env = {}, execArgv = [], timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} did not report within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (msg) => {
      clearTimeout(timer);
      if (msg && msg.error) reject(new Error(`${path.basename(script)}: ${msg.error}`));
      else resolve({ child, msg });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(script)} exited early (code ${code}, signal ${signal})`));
    });
  });
}

/** Asks a forked child to close (it answers by exiting) and waits, killing it after a grace period. */
function stopChild(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    try {
      child.send({ cmd: 'close' });
    } catch {
      child.kill('SIGTERM');
    }
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Renders rows (arrays of cells) as a plain fixed-width table; the first row is the header. */
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function machineLine() {
  let load = os.loadavg().map((x) => x.toFixed(2)).join(', ');
  try {
    load = execSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    /* os.loadavg() is enough */
  }
  return `${os.cpus().length} cpu(s) ${os.cpus()[0]?.model ?? ''} | node ${process.version} | ${load}`;
}

/**
 * A warning line when the 1-minute load is more than one busy process above what the bench itself
 * generates (ownLoad: ~2 for the API bench's server + load generator + Redis, ~1 for a boot), else ''.
 */
function loadWarning(ownLoad = 1) {
  const [l1] = os.loadavg();
  return l1 > ownLoad + 1
    ? `WARNING: 1-minute load ${l1.toFixed(2)} at the end, above the ~${ownLoad} this bench makes by itself: other jobs competed with this run; rerun when the machine is quieter`
    : '';
}

/**
 * The end of a bench, whatever happened: its children stopped, its database dropped, its Redis keys
 * purged, and the machine's load said (a busy machine makes the figures suspect).
 */
async function cleanUp({ children = [], db, redis, ownLoad = 2 }) {
  for (const c of [...children].reverse()) await stopChild(c);
  await db.drop().catch((e) => console.error(`could not drop ${db.name}: ${e.message}`));
  const deleted = await redis.purge().catch((e) => (console.error(`could not purge ${redis.prefix}: ${e.message}`), 0));
  console.log(`machine at the end: ${machineLine()}`);
  if (loadWarning(ownLoad)) console.log(loadWarning(ownLoad));
  console.log(`cleanup: dropped ${db.name}, deleted ${deleted} Redis keys under ${redis.prefix}:*`);
}

/** Runs a bench's main function: exit 0 when it ends, its stack and exit 1 when it throws. */
function runBench(name, main) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(`${name} bench failed: ${e && e.stack ? e.stack : e}`);
      process.exit(1);
    },
  );
}

/** CPU seconds (user+system) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** CPU seconds used so far by every process whose name starts with one of these (server-wide: other databases' work counts too). */
function cpuOfProcesses(names) {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      if (!names.some((n) => name.startsWith(n))) continue;
      const f = st.split(') ')[1].split(' ');
      // utime + stime, plus cutime + cstime: a server's exited workers (autovacuum, parallel workers)
      // move their CPU to the parent that reaped them, so a sum over a pass never goes down
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    } catch {
      /* gone */
    }
  }
  return total;
}

module.exports = { ROOT, loadWarning, createBenchDatabase, createBenchRedisPrefix, forkChild, stopChild, median, mean, table, machineLine, cleanUp, runBench, cpuSeconds, cpuOfProcesses };
