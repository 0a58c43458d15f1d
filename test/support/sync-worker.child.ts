/**
 * A sync worker as a separate process, for tests that kill it or run two: boots the worker root with
 * the test connections given in SYNC_TEST_CONNECTIONS (and upstream policy overrides in
 * SYNC_TEST_UPSTREAM_POLICY) and prints "ready". Run through swc-register.js.
 */
import { startSyncWorker, syncTestConfig } from './sync-test-app';

const env = process.env;
const config = syncTestConfig({ dbUrl: env.SYNC_TEST_DB_URL!, redisPrefix: env.SYNC_TEST_REDIS_PREFIX!, env: { SYNC_JOB_LOCK_MS: env.SYNC_JOB_LOCK_MS ?? '2000' } });
startSyncWorker(config, JSON.parse(env.SYNC_TEST_CONNECTIONS ?? '[]'), JSON.parse(env.SYNC_TEST_UPSTREAM_POLICY ?? '{}')).then(
  () => process.stdout.write('ready\n'),
  (e: unknown) => {
    process.stderr.write(`worker failed to boot: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
