import { coreSchema, type DatabaseSchema } from '../core/database';
import { connectionsSchema } from '../integrations/connections';
import { syncSchema } from '../integrations/sync';

/** Every table Plugboard has, in one explicit list: the core's and each domain area's. */
export const schema: DatabaseSchema = {
  entities: [...coreSchema.entities, ...connectionsSchema.entities, ...syncSchema.entities],
  migrations: [...coreSchema.migrations, ...connectionsSchema.migrations, ...syncSchema.migrations],
};
