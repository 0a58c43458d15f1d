import { CommandRunner, SubCommand } from 'nest-commander';
import { VaultService } from '../../core/vault';

@SubCommand({ name: 'rotate', description: 'Re-encrypt every secret under the current key (the first in VAULT_KEYS)' })
export class VaultRotateCommand extends CommandRunner {
  constructor(private readonly vault: VaultService) {
    super();
  }

  async run(): Promise<void> {
    const moved = await this.vault.rotateAll();
    process.stdout.write(`${moved} secret(s) re-encrypted to key ${this.vault.currentKeyId}\n`);
  }
}
