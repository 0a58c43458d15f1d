/**
 * A worker process (the worker root: sync and workflow queues) for tests that kill it or run two:
 * the workflow job lock is short (WORKFLOW_JOB_LOCK_MS, default 2000) so a killed worker's execution
 * is taken over quickly, and loopback is reachable by http_request steps. Prints "ready". Run
 * through swc-register.js.
 */
import { startSyncWorker, syncTestConfig } from './sync-test-app';

const env = process.env;
const config = syncTestConfig({
  dbUrl: env.WORKFLOW_TEST_DB_URL!, redisPrefix: env.WORKFLOW_TEST_REDIS_PREFIX!,
  env: { WORKFLOW_JOB_LOCK_MS: env.WORKFLOW_JOB_LOCK_MS ?? '2000', WORKFLOW_HTTP_ALLOWED_NETWORKS: '127.0.0.0/8' },
});
startSyncWorker(config, []).then(
  () => process.stdout.write('ready\n'),
  (e: unknown) => {
    process.stderr.write(`worker failed to boot: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
