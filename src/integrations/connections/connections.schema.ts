import type { DatabaseSchema } from '../../core/database';
import { connectionEntities } from './connection.entity';
import { Connections1764100000000 } from './migrations/1764100000000-connections.migration';

/** The tables of connections, OAuth states and OAuth apps; listed by src/app/schema.ts. */
export const connectionsSchema: DatabaseSchema = { entities: connectionEntities, migrations: [Connections1764100000000] };
