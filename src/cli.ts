import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { configOrExit, loadPlugins } from './app/bootstrap';
import { CliModule } from './cli/cli.module';
import { ensureDatabase } from './core/database';

/** `plugboard <command>`: migrate, demo, vault rotate, tenants, operators, api-keys, plugins. */
async function main(): Promise<void> {
  const config = configOrExit();
  const command = process.argv[2];
  if (command === 'migrate' || command === 'demo') {
    if (await ensureDatabase(config.DATABASE_URL)) process.stdout.write(`created database ${new URL(config.DATABASE_URL).pathname.slice(1)}\n`);
  }
  const plugins = await loadPlugins(config, (line) => process.stderr.write(`${line}\n`));
  // migrations run only when asked (migrate, demo), never as a side effect of another command
  await CommandFactory.run(CliModule.forRoot({ config: { ...config, MIGRATE_ON_BOOT: false }, plugins }), {
    logger: ['error', 'warn'],
    cliName: 'plugboard',
    errorHandler: (e: Error & { code?: string; exitCode?: number }) => {
      // commander reports --help and --version through the same door as errors
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') process.exit(0);
      if (e.exitCode === undefined) process.stderr.write(`plugboard: ${e.message}\n`);
      process.exit(e.exitCode || 1);
    },
    serviceErrorHandler: (e) => {
      process.stderr.write(`plugboard: ${e.message}\n`);
      process.exit(1);
    },
  });
}

void main().catch((e: unknown) => {
  process.stderr.write(`plugboard: ${(e as Error).message}\n`);
  process.exit(1);
});
