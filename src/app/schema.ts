import { coreSchema, type DatabaseSchema } from '../core/database';

/** Every table Plugboard has, in one explicit list: the core's and each domain area's. */
export const schema: DatabaseSchema = {
  entities: [...coreSchema.entities],
  migrations: [...coreSchema.migrations],
};
