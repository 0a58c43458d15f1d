import type { DatabaseSchema } from '../../core/database';
import { SyncFlows1764300000000 } from './migrations/1764300000000-sync-flows.migration';

/** The sync-flow tables (read and written with tenant-scoped SQL in SyncFlowsStore, so no entities). */
export const syncFlowsSchema: DatabaseSchema = {
  entities: [],
  migrations: [SyncFlows1764300000000],
};
