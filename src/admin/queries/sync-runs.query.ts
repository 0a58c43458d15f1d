import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toRunView, type SyncRun, type SyncRunView } from '../../integrations/sync';
import type { AdminScope } from '../admin-scope';
import { decodeCursor, encodeCursor, pageOf, SqlFilter, type Page } from './sql-filter';

export type RunRow = SyncRunView & { tenantId: string; tenantName: string; connectionName: string | null };

export interface RunFilter {
  status?: string;
  connectionId?: string;
}

/** sync_runs columns under the entity's property names, so the sync area's own toRunView shapes them */
const RUN_COLUMNS = `r.id, r.tenant_id AS "tenantId", r.connection_id AS "connectionId", r.plugin, r.entity, r.model, r.mode, r.status,
  r.dry_run AS "dryRun", r.force, r.trigger, r.checkpoint, r.added, r.updated, r.deleted, r.unchanged, r.pages, r.resumes, r.waits, r.error,
  r.created_at AS "createdAt", r.started_at AS "startedAt", r.finished_at AS "finishedAt"`;

type RunDbRow = SyncRun & { tenantName: string; connectionName: string | null; cursorTs: string };

function toRow(r: RunDbRow): RunRow {
  return { ...toRunView(r), tenantId: r.tenantId, tenantName: r.tenantName, connectionName: r.connectionName };
}

/** The panel's reads of sync runs, newest first, across tenants for operators. */
@Injectable()
export class SyncRunsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(scope: AdminScope, filter: RunFilter, cursor: unknown, limit = 50): Promise<Page<RunRow & { cursorTs: string }>> {
    const f = new SqlFilter().scope('r.tenant_id', scope).optional('r.status = ?', filter.status).optional('r.connection_id = ?::uuid', filter.connectionId);
    const after = decodeCursor(cursor, 2);
    if (after) f.where('(r.created_at, r.id) < (?::timestamptz, ?::uuid)', after[0], after[1]);
    const rows: RunDbRow[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS}, r.created_at::text AS "cursorTs", t.name AS "tenantName", c.name AS "connectionName"
         FROM (SELECT * FROM sync_runs r ${f.sql} ORDER BY r.created_at DESC, r.id DESC LIMIT ${f.param(limit + 1)}) r
         JOIN tenants t ON t.id = r.tenant_id
         LEFT JOIN connections c ON c.tenant_id = r.tenant_id AND c.id = r.connection_id
        ORDER BY r.created_at DESC, r.id DESC`,
      f.params,
    );
    return pageOf(rows.map((r) => ({ ...toRow(r), cursorTs: r.cursorTs })), limit, (r) => encodeCursor([r.cursorTs, r.id]));
  }

  async get(scope: AdminScope, id: string): Promise<RunRow> {
    const f = new SqlFilter().where('r.id = ?::uuid', id).scope('r.tenant_id', scope);
    const [row] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS}, t.name AS "tenantName", c.name AS "connectionName"
         FROM sync_runs r JOIN tenants t ON t.id = r.tenant_id LEFT JOIN connections c ON c.tenant_id = r.tenant_id AND c.id = r.connection_id
        ${f.sql}`,
      f.params,
    );
    if (!row) throw new NotFoundException(`no sync run ${id}`);
    return toRow(row);
  }

  /** Runs per hour over the last 24 hours: how many, how many failed, and the records they changed. */
  hourly(scope: AdminScope): Promise<{ hour: Date; runs: number; failed: number; records: number }[]> {
    const f = new SqlFilter().scope('r.tenant_id', scope).where(`r.created_at > now() - interval '24 hours'`);
    return this.dataSource.query(
      `SELECT date_trunc('hour', r.created_at) AS hour, count(*)::int AS runs, count(*) FILTER (WHERE r.status = 'failed')::int AS failed,
              coalesce(sum(r.added + r.updated + r.deleted), 0)::bigint::float8 AS records
         FROM sync_runs r ${f.sql} GROUP BY 1 ORDER BY 1`,
      f.params,
    );
  }

  async active(scope: AdminScope): Promise<number> {
    const f = new SqlFilter().scope('r.tenant_id', scope).where(`r.status IN ('queued', 'running')`);
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM sync_runs r ${f.sql}`, f.params);
    return row.n;
  }
}
