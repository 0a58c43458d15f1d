'use strict';
/**
 * The workflow bench's baseline: a bare Bull queue in a process of its own, on the same Redis,
 * with the same concurrency as the workflow worker. Each job is added (one `add` per event, as a
 * producer would) and processed by a handler that does nothing; latency is add -> handler end.
 * It is what the engine cannot beat: one queue round trip per execution and nothing else.
 *
 * IPC: -> { ready, pid }; <- { cmd: 'run', rate, seconds } -> { emitted, completed, completedInWindow, windowS, latencies };
 *      <- { cmd: 'close' }
 */
const Bull = require('bull');
const { feedAtRate } = require('./feed-at-rate');

async function main() {
  const queue = new Bull('baseline', { redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `${process.env.REDIS_PREFIX}:bull` });
  const done = new Map();
  queue.process('job', Number(process.env.WORKFLOW_CONCURRENCY ?? 100), async (job) => {
    done.set(job.data.n, Date.now());
  });
  await queue.isReady();
  let seq = 0;
  process.on('message', async (m) => {
    try {
      if (m.cmd === 'run') {
        const added = new Map();
        const { t0, windowEnd } = await feedAtRate(m.rate, m.seconds, () => {
          const n = ++seq;
          added.set(n, Date.now());
          void queue.add('job', { n }, { removeOnComplete: true, removeOnFail: true });
        });
        for (let i = 0; i < 600 && [...added.keys()].some((n) => !done.has(n)); i++) await new Promise((r) => setTimeout(r, 100));
        const finished = [...added.keys()].filter((n) => done.has(n));
        const latencies = finished.map((n) => done.get(n) - added.get(n));
        process.send({
          emitted: added.size, completed: finished.length, completedInWindow: finished.filter((n) => done.get(n) <= windowEnd).length,
          windowS: (windowEnd - t0) / 1000, lastFinish: finished.length ? Math.max(...finished.map((n) => done.get(n))) - t0 : null, latencies,
          failed: 0, backlog: added.size - finished.length,
        });
      } else if (m.cmd === 'close') {
        await queue.close();
        process.exit(0);
      }
    } catch (e) {
      process.send({ error: e.stack ?? String(e) });
    }
  });
  process.send({ ready: true, pid: process.pid });
}

main().catch((e) => {
  process.send?.({ error: e.stack ?? String(e) });
  process.exit(1);
});
