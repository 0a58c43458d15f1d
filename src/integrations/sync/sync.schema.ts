import type { DatabaseSchema } from '../../core/database';
import { Sync1764200000000 } from './migrations/1764200000000-sync.migration';
import { SyncPausedRuns1764600000001 } from './migrations/1764600000001-sync-paused-runs.migration';
import { SyncBulkTables1765000000000 } from './migrations/1765000000000-sync-bulk-tables.migration';
import { SyncChange } from './sync-change.entity';
import { SyncRecord } from './sync-record.entity';
import { SyncRun } from './sync-run.entity';
import { SyncSchedule } from './sync-schedule.entity';
import { SyncState } from './sync-state.entity';

/** The sync engine's tables, listed by the process roots in src/app/schema.ts. */
export const syncSchema: DatabaseSchema = {
  entities: [SyncRun, SyncRecord, SyncChange, SyncState, SyncSchedule],
  migrations: [Sync1764200000000, SyncPausedRuns1764600000001, SyncBulkTables1765000000000],
};
