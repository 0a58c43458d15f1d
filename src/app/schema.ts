import { coreSchema, type DatabaseSchema } from '../core/database';
import { connectionsSchema } from '../integrations/connections';
import { syncSchema } from '../integrations/sync';
import { syncFlowsSchema } from '../integrations/sync-flows';
import { reconciliationSchema } from '../integrations/reconciliation';

/** Every table Plugboard has, in one explicit list: the core's and each domain area's. */
export const schema: DatabaseSchema = {
  entities: [...coreSchema.entities, ...connectionsSchema.entities, ...syncSchema.entities, ...syncFlowsSchema.entities, ...reconciliationSchema.entities],
  migrations: [...coreSchema.migrations, ...connectionsSchema.migrations, ...syncSchema.migrations, ...syncFlowsSchema.migrations, ...reconciliationSchema.migrations],
};
