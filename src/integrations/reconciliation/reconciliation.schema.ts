import type { DatabaseSchema } from '../../core/database';
import { Reconciliation1764400000000 } from './migrations/1764400000000-reconciliation.migration';
import { RecordGroup, RecordGroupMember } from './record-group.entity';

/** Reconciliation's tables, listed by the process roots in src/app/schema.ts. */
export const reconciliationSchema: DatabaseSchema = {
  entities: [RecordGroup, RecordGroupMember],
  migrations: [Reconciliation1764400000000],
};
