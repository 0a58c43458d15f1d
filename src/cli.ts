#!/usr/bin/env node
import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { CommandFactory, type CommandRunner } from 'nest-commander';
import { configOrExit, loadPlugins } from './app/bootstrap';
import { CliModule } from './cli/cli.module';
import { ensureDatabase } from './core/database';

/** Warnings and errors go to stderr, so stdout carries only a command's output (a --json document stays parseable). */
const stderrLogger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown, ...context: unknown[]) => process.stderr.write(`warn: ${context.length ? `[${String(context.at(-1))}] ` : ''}${String(message)}\n`),
  error: (message: unknown, ...context: unknown[]) => process.stderr.write(`error: ${context.length ? `[${String(context.at(-1))}] ` : ''}${String(message)}\n`),
};

/** `plugboard <command>` (the package's bin): sync, monitor, plugins, tenants, users, api-keys, connections, vault, migrate, demo. */
async function main(): Promise<void> {
  const config = configOrExit();
  const command = process.argv[2];
  if (command === 'migrate' || command === 'demo') {
    if (await ensureDatabase(config.DATABASE_URL)) process.stdout.write(`created database ${new URL(config.DATABASE_URL).pathname.slice(1)}\n`);
  }
  const plugins = await loadPlugins(config, (line) => process.stderr.write(`${line}\n`));
  // migrations run only when asked (migrate, demo), never as a side effect of another command
  await CommandFactory.run(CliModule.forRoot({ config: { ...config, MIGRATE_ON_BOOT: false }, plugins, command }), {
    logger: stderrLogger,
    cliName: 'plugboard',
    // commander names the program after the script (cli.js); usage lines say what people type
    helpConfiguration: { commandUsage: (cmd) => [...ancestry(cmd), cmd.usage()].join(' ') },
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

/** `plugboard tenants create`: the command's names from the root down, the root called plugboard. */
function ancestry(cmd: Parameters<CommandRunner['setCommand']>[0]): string[] {
  return cmd.parent ? [...ancestry(cmd.parent), cmd.name()] : ['plugboard'];
}

void main().catch((e: unknown) => {
  process.stderr.write(`plugboard: ${(e as Error).message}\n`);
  process.exit(1);
});
