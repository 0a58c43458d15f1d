import { CommandRunner, SubCommand } from 'nest-commander';
import { VaultService } from '../../core/vault';

@SubCommand({ name: 'rotate', description: 'Re-encrypt every secret under the current key (the first in VAULT_KEYS)' })
export class VaultRotateCommand extends CommandRunner {
  constructor(private readonly vault: VaultService) {
    super();
  }

  async run(): Promise<void> {
    const { moved, unreadable } = await this.vault.rotateAll();
    process.stdout.write(`${moved} secret(s) re-encrypted to key ${this.vault.currentKeyId}\n`);
    if (unreadable.length) {
      process.stderr.write(`${unreadable.length} entr(ies) could not be decrypted and were left as they are: ${unreadable.join(', ')}\n`);
      process.exitCode = 1;
    }
  }
}
