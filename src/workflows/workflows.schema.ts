import type { DatabaseSchema } from '../core/database';
import { Workflows1764700000000 } from './migrations/1764700000000-workflows.migration';
import { workflowEntities } from './workflow.entities';

/** The workflow engine's tables; listed by src/app/schema.ts. */
export const workflowsSchema: DatabaseSchema = { entities: workflowEntities, migrations: [Workflows1764700000000] };
