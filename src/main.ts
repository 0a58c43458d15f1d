import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { configOrExit, createApiApp, createWorkerContext } from './app/bootstrap';

async function main(): Promise<void> {
  const config = configOrExit();
  if (config.PLUGBOARD_ROLE === 'worker') {
    await createWorkerContext(config);
    new Logger('Plugboard').log(`worker started (boot ${process.uptime().toFixed(2)} s)`);
    return;
  }
  const app = await createApiApp(config, { withWorker: config.PLUGBOARD_ROLE === 'all' });
  await app.listen({ port: config.PORT, host: config.HOST });
  new Logger('Plugboard').log(`${config.PLUGBOARD_ROLE} listening on ${await app.getUrl()} (boot ${process.uptime().toFixed(2)} s)`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`plugboard failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
