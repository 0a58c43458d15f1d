'use strict';
/**
 * Sync bench: the real sync engine from dist/ pulling N HubSpot contacts (default 1,000,000;
 * --records=N) from a lazy HubSpot-compatible source over real HTTP, 100 per page with `after`
 * cursors, against a raw COPY of the same N rows measured in the same run.
 *
 *   source   bench/lib/sync-source.child.js: a plain node http server in its own process, records
 *            generated from their index (bench/lib/sync-contacts.js), each page JSON cached until
 *            records change; NO rate limit (the plugin's
 *            100 req / 10 s budget is not applied: the worker's connection target has no rateLimit)
 *   worker   bench/lib/sync-worker.child.js: WorkerModule from dist/ (core + Bull sync processor) on a
 *            fresh database pb_bench_sync_<rand> (migrated at boot) and its own REDIS_PREFIX, with an
 *            in-memory ConnectionAccess (as the tests use); runs are started with SyncRunsService.start
 *            and executed by the SyncProcessor from the Bull queue, in that child process
 *   COPY     psql \copy of a TSV of the same N rows (external_id, raw jsonb, unified jsonb, hash bytea;
 *            raw/unified/hash computed with the plugin's toUnified and the engine's recordHash) into
 *            an unindexed scratch table in the same database; then, as a bound rather than a baseline,
 *            the same COPY into an empty table LIKE sync_records (its columns, defaults and indexes)
 *
 * Passes (all mode=full, the platform's plain listing): 1) full sync into an empty store,
 * 2) unchanged re-sync, 3) re-sync after the source changed 1% of the records (every 100th).
 * Per pass: records/s (N / run duration from started_at to finished_at), rows written
 * (sync_changes growth + sync_records rows whose updated_at moved), the run's counters, and the
 * worker's peak RSS (VmHWM, reset per pass through /proc/<pid>/clear_refs, plus VmRSS sampled every
 * 50 ms). CPU seconds per pass of the worker, the source and all postgres processes (from /proc)
 * show which side was busy. Targets: full >= 0.5x COPY; unchanged >= 100,000 records/s with 0 rows
 * written; peak worker RSS < 300 MB.
 *
 * A pass still running after BENCH_PASS_TIMEOUT seconds (default 1800) stops the bench with the SQL
 * then active in the bench database.
 *
 * Env: BENCH_CPU_PROF=1 writes a .cpuprofile of the worker to $TMPDIR/plugboard-bench-profiles/
 * (summarise with node bench/lib/profile-summary.js <file>). BENCH_WORKER_HEAP_MB (default 192) caps
 * the worker's old space as a worker is deployed (README); 0 leaves V8's default.
 */
const { fork, spawn } = require('node:child_process');
const { createWriteStream, readFileSync, writeFileSync, mkdtempSync, rmSync, mkdirSync, statSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { once } = require('node:events');
const { createBenchDatabase, createBenchRedisPrefix, forkChild, stopChild, table, machineLine, loadWarning, ROOT, cpuSeconds, cpuOfProcesses } = require('./lib/common');
const { contact } = require('./lib/sync-contacts');

const WORKER_HEAP_MB = Number(process.env.BENCH_WORKER_HEAP_MB ?? 192);
const arg = process.argv.find((a) => a.startsWith('--records='));
const N = Number(arg ? arg.split('=')[1] : process.env.BENCH_RECORDS ?? 1_000_000);
if (!Number.isInteger(N) || N < 100) throw new Error('--records must be an integer >= 100');
const TARGET_FULL_RATIO = 0.5;
const TARGET_UNCHANGED_RPS = 100_000;
const TARGET_RSS_MB = 300;
const PASS_TIMEOUT_S = Number(process.env.BENCH_PASS_TIMEOUT ?? 1800);
const LIB = path.join(__dirname, 'lib');

/** kB value of a field of /proc/<pid>/status */
function procStatus(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function ask(child, msg, key) {
  return new Promise((resolve, reject) => {
    const on = (m) => {
      if (m && m.error) (child.off('message', on), reject(new Error(m.error)));
      else if (m && key in m) (child.off('message', on), resolve(m));
    };
    child.on('message', on);
    child.send(msg);
  });
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (kb) => (kb / 1024).toFixed(0);

const tsvEscape = (s) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/** Writes the N rows the full sync stores (same raw, unified, hash) as a COPY text-format file. */
async function writeCopyFile(file) {
  const plugin = require(path.join(ROOT, 'dist/plugins/hubspot')).default;
  const { recordHash } = require(path.join(ROOT, 'dist/integrations/sync/record-hash'));
  const sync = plugin.entities.contacts;
  const volatile = new Set(sync.volatileFields ?? []);
  const out = createWriteStream(file);
  let buf = '';
  for (let i = 0; i < N; i++) {
    const raw = contact(i, 0);
    buf += `${raw.id}\t${tsvEscape(JSON.stringify(raw))}\t${tsvEscape(JSON.stringify(sync.toUnified(raw)))}\t\\\\x${recordHash(raw, volatile)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

function psql(url, command) {
  return new Promise((resolve, reject) => {
    const p = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql exited ${code}: ${out}`))));
  });
}

async function main() {
  console.log(`sync bench | ${machineLine()}`);
  console.log(`N = ${fmt(N)} HubSpot contacts, pages of 100 (${fmt(Math.ceil(N / 100))} GET /crm/v3/objects/contacts calls per pass) over HTTP from a separate source process`);
  console.log('NOTE: the source caches each page\'s JSON until records change (a real platform\'s CPU is not on this machine)');
  console.log('NOTE: the hubspot plugin\'s rate budget (100 requests / 10 s) is NOT applied: the worker\'s connection target carries no rateLimit, and the source sends no rate-limit headers\n');

  const db = await createBenchDatabase('sync');
  const redis = createBenchRedisPrefix('sync');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pb-sync-bench-'));
  const children = [];
  const rows = [];
  const results = {};
  try {
    const source = await forkChild(path.join(LIB, 'sync-source.child.js'), { env: { SOURCE_RECORDS: String(N) } });
    children.push(source.child);
    const profDir = path.join(os.tmpdir(), 'plugboard-bench-profiles');
    if (process.env.BENCH_CPU_PROF) mkdirSync(profDir, { recursive: true });
    const worker = await forkChild(path.join(LIB, 'sync-worker.child.js'), {
      env: { DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, SOURCE_URL: source.msg.url, NODE_ENV: 'test' },
      execArgv: [
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        // a worker is deployed with a capped old space (README, Deployment); BENCH_WORKER_HEAP_MB=0 measures V8's default
        ...(WORKER_HEAP_MB > 0 ? [`--max-old-space-size=${WORKER_HEAP_MB}`] : []),
      ],
    });
    children.push(worker.child);
    const wpid = worker.msg.pid;
    console.log(`source pid ${source.msg.pid} on ${source.msg.url}; worker pid ${wpid} (WorkerModule from dist/, Bull sync processor), database ${db.name}, REDIS_PREFIX ${redis.prefix}`);
    console.log(WORKER_HEAP_MB > 0 ? `worker old space capped at ${WORKER_HEAP_MB} MB (--max-old-space-size, as a worker is deployed; BENCH_WORKER_HEAP_MB=0 for V8's default)` : 'worker on V8\'s default heap limit (no --max-old-space-size)');
    console.log(`worker RSS after boot: ${mb(procStatus(wpid, 'VmRSS'))} MB (VmHWM ${mb(procStatus(wpid, 'VmHWM'))} MB)\n`);

    // --- COPY baseline ------------------------------------------------------------------------
    const file = path.join(tmp, 'contacts.tsv');
    let t = performance.now();
    await writeCopyFile(file);
    const size = statSync(file).size;
    console.log(`COPY input: ${fmt(N)} rows, ${(size / 1048576).toFixed(0)} MB TSV generated in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`);
    await db.query(`CREATE TABLE bench_copy (external_id text NOT NULL, raw jsonb NOT NULL, unified jsonb NOT NULL, hash bytea NOT NULL)`);
    t = performance.now();
    await psql(db.url, `\\copy bench_copy (external_id, raw, unified, hash) FROM '${file}'`);
    const copyS = (performance.now() - t) / 1000;
    const [{ n: copied }] = (await db.query(`SELECT count(*)::int AS n FROM bench_copy`)).rows;
    if (copied !== N) throw new Error(`COPY loaded ${copied} rows, expected ${N}`);
    const copyRps = N / copyS;
    console.log(`COPY: ${fmt(N)} rows in ${copyS.toFixed(2)} s = ${fmt(copyRps)} rows/s (psql \\copy into an unindexed scratch table, timed from psql start to exit)`);
    await db.query('DROP TABLE bench_copy');
    // not a baseline, a bound: the same COPY into an empty table of the store's own shape (sync_records'
    // columns, defaults and indexes, one tenant and connection); no write path keeping that shape beats it
    await db.query(`CREATE TABLE bench_copy_store (LIKE sync_records INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)`);
    await db.query(`ALTER TABLE bench_copy_store ALTER tenant_id SET DEFAULT '00000000-0000-4000-8000-000000000001', ALTER connection_id SET DEFAULT '00000000-0000-4000-8000-000000000002',
                      ALTER plugin SET DEFAULT 'hubspot', ALTER entity SET DEFAULT 'contacts', ALTER model SET DEFAULT 'contact'`);
    t = performance.now();
    await psql(db.url, `\\copy bench_copy_store (external_id, raw, unified, hash) FROM '${file}'`);
    const storeCopyS = (performance.now() - t) / 1000;
    const storeCopyRps = N / storeCopyS;
    console.log(`COPY into the store's shape: ${fmt(N)} rows in ${storeCopyS.toFixed(2)} s = ${fmt(storeCopyRps)} rows/s = ${(storeCopyRps / copyRps).toFixed(3)}x COPY (a table LIKE sync_records with its indexes, records only, no change log: the bound for writing records into that shape)\n`);
    await db.query('DROP TABLE bench_copy_store');
    rmSync(file, { force: true });

    // --- sync passes ----------------------------------------------------------------------------
    const passes = [
      { name: 'full', label: '1 full sync (empty store)' },
      { name: 'unchanged', label: '2 unchanged re-sync' },
      { name: 'changed1pct', label: '3 re-sync, 1% changed' },
    ];
    for (const pass of passes) {
      if (pass.name === 'changed1pct') {
        const { changed } = await ask(source.child, { cmd: 'change' }, 'changed');
        console.log(`source: ${fmt(changed)} records changed (phone, lastname, updatedAt of every 100th)`);
      }
      const before = (await db.query(`SELECT (SELECT count(*)::int FROM sync_changes) AS changes, clock_timestamp() AS at`)).rows[0];
      try {
        writeFileSync(`/proc/${wpid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      } catch {
        /* older kernel: VmHWM stays the lifetime peak */
      }
      let maxRss = 0;
      const sampler = setInterval(() => (maxRss = Math.max(maxRss, procStatus(wpid, 'VmRSS') ?? 0)), 50);
      const srcStats0 = await ask(source.child, { cmd: 'stats' }, 'requests');
      const cpuW0 = cpuSeconds(wpid);
      const cpuPg0 = cpuOfProcesses(['postgres']);
      const wall0 = performance.now();
      const { run, maxHeap, totalMs, fetchedMs, fetchedCpuMs, timedOut, active } = await ask(worker.child, { cmd: 'run', mode: 'full', timeoutMs: PASS_TIMEOUT_S * 1000 }, 'run');
      const wall = (performance.now() - wall0) / 1000;
      clearInterval(sampler);
      const cpuW = cpuSeconds(wpid) - cpuW0;
      const cpuPg = cpuOfProcesses(['postgres']) - cpuPg0;
      const srcStats = await ask(source.child, { cmd: 'stats' }, 'requests');
      const hwm = procStatus(wpid, 'VmHWM');
      const after = (await db.query(
        `SELECT (SELECT count(*)::int FROM sync_changes) AS changes,
                (SELECT count(*)::int FROM sync_records WHERE updated_at >= $1) AS touched,
                (SELECT count(*)::int FROM sync_records WHERE deleted_at IS NULL) AS active`,
        [before.at],
      )).rows[0];
      if (timedOut) {
        console.log(`pass ${pass.label}: NOT FINISHED after ${PASS_TIMEOUT_S} s (BENCH_PASS_TIMEOUT): status ${run.status}, pages ${fmt(run.pages)} of ${fmt(Math.ceil(N / 100))}, ` +
          `all pages fetched+committed ${fetchedMs === null ? 'NO' : `after ${(fetchedMs / 1000).toFixed(1)} s (${fmt(N / (fetchedMs / 1000))} records/s, ${(N / (fetchedMs / 1000) / copyRps).toFixed(3)}x COPY; worker CPU ${(fetchedCpuMs / 1000).toFixed(1)} s = ${((100 * fetchedCpuMs) / fetchedMs).toFixed(0)}% of a core in that time)`}; worker peak RSS ${(Math.max(hwm ?? 0, maxRss) / 1024).toFixed(0)} MB; ` +
          `CPU s: worker ${cpuW.toFixed(1)}, source ${((srcStats.cpuMs - srcStats0.cpuMs) / 1000).toFixed(1)}, postgres ${cpuPg.toFixed(1)}`);
        for (const a of active) console.log(`  active SQL in ${db.name} (running for ${a.running_for}): ${a.query}`);
        console.log('FAIL: bench stopped; the passes after this one cannot start while this run is active');
        return;
      }
      if (run.status !== 'succeeded') throw new Error(`pass ${pass.name}: run ${run.id} ended ${run.status}: ${run.error}`);
      // end to end, start() -> status succeeded observed (50 ms polls): run.durationMs is not used because
      // finished_at is set with now() inside complete()'s transaction, i.e. the time that transaction BEGAN
      const dur = totalMs / 1000;
      const pageLoop = fetchedMs / 1000;
      const r = {
        ...pass, dur, wall, pageLoop, sweep: dur - pageLoop, rps: N / dur, changes: after.changes - before.changes, touched: after.touched, active: after.active,
        counts: run.counts, pages: run.pages, waits: run.waits.count, hwmMb: Math.max(hwm ?? 0, maxRss) / 1024, heapMb: maxHeap / 1048576,
        cpuW, cpuPg, cpuSrc: (srcStats.cpuMs - srcStats0.cpuMs) / 1000, requests: srcStats.requests - srcStats0.requests,
      };
      r.written = r.changes + r.touched;
      results[pass.name] = r;
      console.log(
        `pass ${pass.label}: ${run.status} in ${dur.toFixed(1)} s = ${fmt(r.rps)} records/s end to end ` +
          `[page loop (fetch+hash+compare+commit, all pages) ${pageLoop.toFixed(1)} s = ${fmt(N / pageLoop)} records/s, worker CPU in it ${(fetchedCpuMs / 1000).toFixed(1)} s = ${((100 * fetchedCpuMs) / fetchedMs).toFixed(0)}% of a core; then complete() (deletion sweep, state) ${r.sweep.toFixed(1)} s; ` +
          `run row's started_at->finished_at ${(run.durationMs / 1000).toFixed(1)} s]; ` +
          `added ${fmt(run.counts.added)}, updated ${fmt(run.counts.updated)}, unchanged ${fmt(run.counts.unchanged)}, deleted ${fmt(run.counts.deleted)}, pages ${fmt(run.pages)}, retry waits ${r.waits}; ` +
          `sync_changes +${fmt(r.changes)}, sync_records rows written ${fmt(r.touched)} (active ${fmt(r.active)}); ` +
          `worker peak RSS ${r.hwmMb.toFixed(0)} MB (heap peak ${r.heapMb.toFixed(0)} MB); CPU s: worker ${r.cpuW.toFixed(1)} (${((100 * r.cpuW) / wall).toFixed(0)}%), ` +
          `source ${r.cpuSrc.toFixed(1)} (${((100 * r.cpuSrc) / wall).toFixed(0)}%, ${fmt(r.requests)} requests), postgres ${r.cpuPg.toFixed(1)} (${((100 * r.cpuPg) / wall).toFixed(0)}%)`,
      );
      rows.push([pass.label, r.dur.toFixed(1), fmt(r.rps), (r.rps / copyRps).toFixed(3), fmt(N / r.pageLoop), (N / r.pageLoop / copyRps).toFixed(3), r.sweep.toFixed(1), fmt(r.written), fmt(r.changes), fmt(r.touched), r.hwmMb.toFixed(0), r.cpuW.toFixed(1), r.cpuSrc.toFixed(1), r.cpuPg.toFixed(1)]);
    }

    // --- report -----------------------------------------------------------------------------------
    console.log(`\nN = ${fmt(N)}; COPY baseline ${fmt(copyRps)} rows/s (${copyS.toFixed(2)} s)\n`);
    console.log(table([
      ['pass', 'run s', 'records/s', 'x COPY', 'page-loop rec/s', 'x COPY', 'complete() s', 'rows written', 'changes', 'records', 'peak RSS MB', 'worker CPU s', 'source CPU s', 'pg CPU s'],
      ['COPY (psql \\copy)', copyS.toFixed(1), fmt(copyRps), '1.000', '-', '-', '-', fmt(N), '-', fmt(N), '-', '-', '-', '-'],
      ["COPY into the store's shape", storeCopyS.toFixed(1), fmt(storeCopyRps), (storeCopyRps / copyRps).toFixed(3), '-', '-', '-', fmt(N), '-', fmt(N), '-', '-', '-', '-'],
      ...rows,
    ]));
    const f = results.full;
    const u = results.unchanged;
    const c = results.changed1pct;
    const peak = Math.max(f.hwmMb, u.hwmMb, c.hwmMb);
    const verdicts = [
      [f.rps / copyRps >= TARGET_FULL_RATIO, `full sync ${(f.rps / copyRps).toFixed(3)}x COPY end to end (${fmt(f.rps)} vs ${fmt(copyRps)} rows/s; page loop alone ${(N / f.pageLoop / copyRps).toFixed(3)}x), target >= ${TARGET_FULL_RATIO}x`],
      [u.rps >= TARGET_UNCHANGED_RPS && u.written === 0, `unchanged re-sync ${fmt(u.rps)} records/s end to end (page loop alone ${fmt(N / u.pageLoop)}/s) with ${fmt(u.written)} record rows written, target >= ${fmt(TARGET_UNCHANGED_RPS)}/s and 0 rows`],
      [peak < TARGET_RSS_MB, `peak worker RSS ${peak.toFixed(0)} MB over the three passes, target < ${TARGET_RSS_MB} MB`],
    ];
    console.log('');
    for (const [ok, text] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}: ${text}`);
    const expect1 = Math.ceil(N / 100);
    console.log(`check: 1% pass updated ${fmt(c.counts.updated)} (source changed ${fmt(expect1)}), wrote ${fmt(c.changes)} change rows and ${fmt(c.touched)} record rows`);
  } finally {
    for (const ch of children.reverse()) await stopChild(ch);
    if (process.env.BENCH_CPU_PROF) console.log(`cpu profile of the worker written to ${path.join(os.tmpdir(), 'plugboard-bench-profiles')}/`);
    await db.drop().catch((e) => console.error(`could not drop ${db.name}: ${e.message}`));
    const deleted = await redis.purge().catch((e) => (console.error(`could not purge ${redis.prefix}: ${e.message}`), 0));
    rmSync(tmp, { recursive: true, force: true });
    console.log(`machine at the end: ${machineLine()}`);
    if (loadWarning(3)) console.log(loadWarning(3));
    console.log(`cleanup: dropped ${db.name}, deleted ${deleted} Redis keys under ${redis.prefix}:*`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
