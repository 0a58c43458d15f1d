import { SubCommand } from 'nest-commander';
import { PlanSync } from '../../billing';
import { printRows } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';

@SubCommand({
  name: 'sync-plans',
  description: "Create or update the payment provider's products, prices (found by lookup key) and usage meters from the plan table; safe to run again",
})
export class BillingSyncPlansCommand extends JsonOutputCommand {
  constructor(private readonly plans: PlanSync) {
    super();
  }

  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    const lines = await this.plans.run();
    printRows(lines, [
      { header: 'KIND', value: (l) => l.kind },
      { header: 'KEY', value: (l) => l.key },
      { header: 'ACTION', value: (l) => l.action },
      { header: 'ID', value: (l) => l.id },
      { header: 'WHAT', value: (l) => l.detail },
    ], o.json);
    if (!o.json) {
      const count = (a: string) => lines.filter((l) => l.action === a).length;
      process.stderr.write(`${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged\n`);
    }
  }
}
