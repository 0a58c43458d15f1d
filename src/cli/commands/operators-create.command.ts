import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { Operator, PasswordHasher } from '../../core/tenancy';
import { checkPassword } from '../account-options';

@SubCommand({ name: 'create', description: 'Create a platform operator, or reset the password of an existing one' })
export class OperatorsCreateCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource, private readonly hasher: PasswordHasher) {
    super();
  }

  async run(_args: string[], o: { email: string; password: string; name?: string }): Promise<void> {
    const email = o.email.toLowerCase();
    const passwordHash = await this.hasher.hash(o.password);
    await this.dataSource.manager.upsert(Operator, { email, name: o.name ?? '', passwordHash, failedLogins: 0, lockedUntil: null }, ['email']);
    process.stdout.write(`operator ${email} ready\n`);
  }

  @Option({ flags: '--email <email>', description: "the operator's email", required: true })
  parseEmail(v: string): string { return v; }

  @Option({ flags: '--password <password>', description: '10+ characters', required: true })
  parsePassword(v: string): string { return checkPassword(v); }

  @Option({ flags: '--name <name>', description: 'display name' })
  parseName(v: string): string { return v; }
}
