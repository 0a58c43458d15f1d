import { billingSchema } from '../billing';
import { coreSchema, type DatabaseSchema } from '../core/database';
import { connectionsSchema } from '../integrations/connections';
import { syncSchema } from '../integrations/sync';
import { syncFlowsSchema } from '../integrations/sync-flows';
import { reconciliationSchema } from '../integrations/reconciliation';
import { publishingSchema } from '../integrations/publishing';
import { webhooksSchema } from '../integrations/webhooks';
import { workflowsSchema } from '../workflows';
import { monitoringSchema } from '../monitoring';
import { adminSchema } from '../admin';

/** Every table Plugboard has, in one explicit list: the core's and each domain area's. */
export const schema: DatabaseSchema = {
  entities: [...coreSchema.entities, ...connectionsSchema.entities, ...syncSchema.entities, ...syncFlowsSchema.entities, ...reconciliationSchema.entities, ...publishingSchema.entities, ...webhooksSchema.entities, ...billingSchema.entities, ...workflowsSchema.entities, ...monitoringSchema.entities, ...adminSchema.entities],
  migrations: [...coreSchema.migrations, ...connectionsSchema.migrations, ...syncSchema.migrations, ...syncFlowsSchema.migrations, ...reconciliationSchema.migrations, ...publishingSchema.migrations, ...webhooksSchema.migrations, ...billingSchema.migrations, ...workflowsSchema.migrations, ...monitoringSchema.migrations, ...adminSchema.migrations],
};
