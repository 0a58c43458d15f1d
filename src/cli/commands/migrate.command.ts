import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';

@Command({ name: 'migrate', description: 'Create the database if needed and apply pending migrations' })
export class MigrateCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(_args: string[], opts: { check?: boolean }): Promise<void> {
    if (opts.check) {
      const pending = await this.dataSource.showMigrations();
      process.stdout.write(pending ? 'migrations pending\n' : 'database is up to date\n');
      if (pending) process.exitCode = 1;
      return;
    }
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    for (const m of applied) process.stdout.write(`applied ${m.name}\n`);
    process.stdout.write(applied.length ? `${applied.length} migration(s) applied\n` : 'database is up to date\n');
  }

  @Option({ flags: '--check', description: 'only report whether migrations are pending (exit 1 if so)' })
  parseCheck(): boolean {
    return true;
  }
}
