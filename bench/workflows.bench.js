'use strict';
/**
 * Workflow engine bench: a 3-step workflow (webhook trigger -> condition -> plugin action against
 * a Stripe-compatible endpoint) fed at increasing rates, against a bare Bull enqueue->process round trip
 * measured in the same run at the same rates.
 *
 *   workflow  bench/lib/workflow-worker.child.js: WorkerModule from dist/ (production's worker root)
 *             on a fresh database pb_bench_workflows_<rand> and its own REDIS_PREFIX. Triggers are fed
 *             in the worker as the webhook receiver feeds them: one EventBus `webhook.received`
 *             event (stripe.invoice.paid) per inbound event. Each event goes through the trigger
 *             router (match, idempotency key), the executions INSERT, Bull, the runner (condition
 *             on trigger.data.amount_paid, every event passes), and stripe.create_customer over
 *             HTTP to that endpoint through the upstream client (retry, breaker; the plugin's
 *             100 req/s budget is left out, as the bench exceeds it on purpose), each step logged.
 *   baseline  bench/lib/bull-baseline.child.js: a bare Bull queue, one add per event, a handler that
 *             does nothing, same concurrency (WORKFLOW_CONCURRENCY, default 100).
 *   platform  bench/lib/stripe-source.child.js: a Stripe-compatible POST /v1/customers in its own
 *             process, without the Stripe simulator's faithful 100 req/s limit (which would cap the
 *             run at 100/s with 429s; the plugin's own tests run against the simulator).
 *
 * Per rate (BENCH_RATES, default 100,250,440,600 events/s; BENCH_SECONDS per run, default 10): the
 * baseline then the workflow, each after a 3 s warm-up at the first rate. Reported: completed per
 * second (completed / time from the first event to the last completion, or the feeding window if
 * longer), p50/p95/p99 trigger-to-finish latency, failures, CPU of the worker; ratios workflow/baseline.
 * Target: >= 440 executions/s with p95 < 300 ms (the highest rate sustained: completed/s >= 95% of
 * the rate and p95 under 300 ms). The machine has 2 cores shared by the generator (in the worker, as
 * in production), Postgres, Redis and the platform stand-in: read the ratios, and rerun on a quiet machine.
 * Each run also prints the CPU each process spent per execution. BENCH_CPU_PROF=1 writes a .cpuprofile
 * of the worker to $TMPDIR/plugboard-bench-profiles/ (summarise with node bench/lib/profile-summary.js <file>).
 */
const path = require('node:path');
const { mkdirSync } = require('node:fs');
const os = require('node:os');
const { createBenchDatabase, createBenchRedisPrefix, forkChild, stopChild, table, machineLine, loadWarning, cpuSeconds, cpuOfProcesses } = require('./lib/common');

const RATES = (process.env.BENCH_RATES ?? '100,250,440,600').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TARGET_RATE = 440;
const TARGET_P95 = 300;
const LIB = path.join(__dirname, 'lib');

function ask(child, msg) {
  return new Promise((resolve, reject) => {
    const on = (m) => {
      child.off('message', on);
      if (m && m.error) reject(new Error(m.error));
      else resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });
}

function pct(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]);
}

function summarize(r) {
  const span = Math.max(r.windowS, (r.lastFinish ?? 0) / 1000);
  return { perS: r.completed / span, p50: pct(r.latencies, 50), p95: pct(r.latencies, 95), p99: pct(r.latencies, 99), failed: r.failed, backlog: r.backlog, emitted: r.emitted };
}

async function main() {
  console.log(`workflows bench | ${machineLine()}`);
  console.log(`rates ${RATES.join(', ')} events/s, ${SECONDS} s each; target >= ${TARGET_RATE} executions/s with p95 < ${TARGET_P95} ms\n`);
  const db = await createBenchDatabase('workflows');
  const redis = createBenchRedisPrefix('workflows');
  const children = [];
  const rows = [];
  let best = null;
  try {
    const sim = await forkChild(path.join(LIB, 'stripe-source.child.js'));
    children.push(sim.child);
    const profDir = path.join(os.tmpdir(), 'plugboard-bench-profiles');
    if (process.env.BENCH_CPU_PROF) mkdirSync(profDir, { recursive: true });
    const worker = await forkChild(path.join(LIB, 'workflow-worker.child.js'), {
      env: { DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, SIM_URL: sim.msg.url, SIM_CREDENTIALS: JSON.stringify(sim.msg.credentials) },
      execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    });
    children.push(worker.child);
    const base = await forkChild(path.join(LIB, 'bull-baseline.child.js'), { env: { REDIS_PREFIX: `${redis.prefix}:baseline` } });
    children.push(base.child);
    console.log(`platform pid ${sim.msg.pid} on ${sim.msg.url}; worker pid ${worker.msg.pid} (workflow ${worker.msg.workflowId}), database ${db.name}; baseline pid ${base.msg.pid}; REDIS_PREFIX ${redis.prefix}\n`);

    await ask(base.child, { cmd: 'run', rate: RATES[0], seconds: 3 });
    const warm = await ask(worker.child, { cmd: 'run', rate: RATES[0], seconds: 3 });
    if (warm.failed) throw new Error(`warm-up: ${warm.failed} executions failed`);

    for (const rate of RATES) {
      const b = summarize(await ask(base.child, { cmd: 'run', rate, seconds: SECONDS }));
      const cpu0 = { worker: cpuSeconds(worker.msg.pid), pg: cpuOfProcesses(['postgres']), redis: cpuOfProcesses(['redis-server']), platform: cpuSeconds(sim.msg.pid) };
      const raw = await ask(worker.child, { cmd: 'run', rate, seconds: SECONDS });
      const w = summarize(raw);
      // CPU per completed execution (ms), by process: where the machine's time went. Postgres and Redis are
      // summed over their processes, server-wide: approximate (a backend that exits mid-run drops out, hence >= 0)
      const per = (now, before) => ((Math.max(0, now - before) * 1000) / Math.max(1, raw.completed)).toFixed(2);
      const cpu = `CPU ms per execution: worker ${per(cpuSeconds(worker.msg.pid), cpu0.worker)}, postgres ${per(cpuOfProcesses(['postgres']), cpu0.pg)}, redis ${per(cpuOfProcesses(['redis-server']), cpu0.redis)}, platform ${per(cpuSeconds(sim.msg.pid), cpu0.platform)}`;
      console.log(`  ${String(rate).padStart(4)}/s  baseline ${b.perS.toFixed(0)}/s p50 ${b.p50} ms p95 ${b.p95} ms | workflow ${w.perS.toFixed(0)}/s p50 ${w.p50} ms p95 ${w.p95} ms p99 ${w.p99} ms, failed ${w.failed}, unfinished ${w.backlog}; ${cpu}`);
      rows.push([rate, b.perS.toFixed(0), b.p50, b.p95, w.perS.toFixed(0), w.p50, w.p95, w.p99, w.failed + w.backlog, (w.perS / b.perS).toFixed(3), (w.p95 / Math.max(1, b.p95)).toFixed(1)]);
      if (w.perS >= 0.95 * rate && w.p95 < TARGET_P95 && w.failed === 0 && w.backlog === 0) best = { rate, ...w };
    }

    console.log(`\n${SECONDS} s per run; latency = trigger event emitted -> execution finished (baseline: add -> handler done)\n`);
    console.log(table([
      ['rate/s', 'bull/s', 'bull p50', 'bull p95', 'workflow exec/s', 'wf p50 ms', 'wf p95 ms', 'wf p99 ms', 'failed+unfinished', 'exec/s ratio', 'p95 ratio'],
      ...rows,
    ]));
    const pass = best && best.rate >= TARGET_RATE;
    console.log(`\nVERDICT: ${pass ? 'PASS' : 'FAIL'}: highest rate sustained with p95 < ${TARGET_P95} ms: ${best ? `${best.rate}/s (${best.perS.toFixed(0)} executions/s, p95 ${best.p95} ms)` : 'none'}; target >= ${TARGET_RATE}/s`);
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    await db.drop().catch((e) => console.error(`could not drop ${db.name}: ${e.message}`));
    const deleted = await redis.purge().catch((e) => (console.error(`could not purge ${redis.prefix}: ${e.message}`), 0));
    console.log(`machine at the end: ${machineLine()}`);
    if (loadWarning(3)) console.log(loadWarning(3));
    console.log(`cleanup: dropped ${db.name}, deleted ${deleted} Redis keys under ${redis.prefix}:*`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`workflows bench failed: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
