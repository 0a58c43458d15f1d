/**
 * A Plugboard worker as a separate process (the real worker root, as PLUGBOARD_ROLE=worker runs it),
 * for tests that kill it mid-work. Configured by the environment it is given; prints "ready".
 * Run through swc-register.js.
 */
import { configOrExit, createWorkerContext } from '../../src/app/bootstrap';

createWorkerContext(configOrExit()).then(
  () => process.stdout.write('ready\n'),
  (e: unknown) => {
    process.stderr.write(`worker failed to boot: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
