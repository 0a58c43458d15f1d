import type { DatabaseSchema } from '../core/database';
import { Admin1764900000000 } from './migrations/1764900000000-admin.migration';

/** The panel has no tables of its own, only indexes for its pages over the others'. */
export const adminSchema: DatabaseSchema = { entities: [], migrations: [Admin1764900000000] };
