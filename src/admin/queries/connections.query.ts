import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminScope } from '../admin-scope';
import { decodeCursor, encodeCursor, likeEscape, pageOf, SqlFilter, type Page } from './sql-filter';

export interface ConnectionRow {
  id: string;
  tenantId: string;
  tenantName: string;
  plugin: string;
  name: string;
  status: string;
  statusReason: string | null;
  statusChangedAt: Date;
  tokenExpiresAt: Date | null;
  lastRunAt: Date | null;
  lastRunStatus: string | null;
}

export interface ConnectionFilter {
  status?: string;
  plugin?: string;
  q?: string;
}

export interface EntityCount {
  entity: string;
  active: number;
  deleted: number;
  lastSyncedAt: Date | null;
}

export interface TransitionRow {
  fromStatus: string | null;
  toStatus: string;
  reason: string | null;
  at: Date;
}

export interface ScheduleRow {
  entity: string;
  cron: string;
  mode: string;
}

/** worst first on the dashboard's grid */
const SEVERITY = `CASE c.status WHEN 'needs_reauth' THEN 0 WHEN 'degraded' THEN 1 WHEN 'disabled' THEN 2 ELSE 3 END`;

const COLUMNS = `c.id, c.tenant_id AS "tenantId", t.name AS "tenantName", c.plugin, c.name, c.status, c.status_reason AS "statusReason",
  c.status_changed_at AS "statusChangedAt", c.token_expires_at AS "tokenExpiresAt", lr.created_at AS "lastRunAt", lr.status AS "lastRunStatus"`;

/** the newest run of each listed connection: one probe of sync_runs (tenant, connection, created_at) per row */
const LAST_RUN = `LEFT JOIN LATERAL (
  SELECT r.created_at, r.status FROM sync_runs r WHERE r.tenant_id = c.tenant_id AND r.connection_id = c.id ORDER BY r.created_at DESC LIMIT 1
) lr ON true`;

/** The panel's reads of connections, across tenants for operators (see SqlFilter.scope). */
@Injectable()
export class ConnectionsQuery {
  constructor(private readonly dataSource: DataSource) {}

  /** By name, keyset-paginated; the page is cut before the last-run probes run. */
  async list(scope: AdminScope, filter: ConnectionFilter, cursor: unknown, limit = 50): Promise<Page<ConnectionRow>> {
    const f = new SqlFilter().scope('c.tenant_id', scope).optional('c.status = ?', filter.status).optional('c.plugin = ?', filter.plugin);
    if (filter.q) f.where(`c.name ILIKE ? ESCAPE '\\'`, `%${likeEscape(filter.q)}%`);
    const after = decodeCursor(cursor, 2);
    if (after) f.where('(c.name, c.id) > (?, ?::uuid)', after[0], after[1]);
    const rows: ConnectionRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM (SELECT c.* FROM connections c ${f.sql} ORDER BY c.name, c.id LIMIT ${f.param(limit + 1)}) c
         JOIN tenants t ON t.id = c.tenant_id ${LAST_RUN}
        ORDER BY c.name, c.id`,
      f.params,
    );
    return pageOf(rows, limit, (r) => encodeCursor([r.name, r.id]));
  }

  /** The dashboard's grid: connections needing attention first, then by name. */
  async grid(scope: AdminScope, limit: number): Promise<ConnectionRow[]> {
    const f = new SqlFilter().scope('c.tenant_id', scope);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM (SELECT c.* FROM connections c ${f.sql} ORDER BY ${SEVERITY}, c.name, c.id LIMIT ${f.param(limit)}) c
         JOIN tenants t ON t.id = c.tenant_id ${LAST_RUN}
        ORDER BY ${SEVERITY}, c.name, c.id`,
      f.params,
    );
  }

  async statusCounts(scope: AdminScope): Promise<Record<string, number>> {
    const f = new SqlFilter().scope('c.tenant_id', scope);
    const rows: { status: string; n: number }[] = await this.dataSource.query(`SELECT c.status, count(*)::int AS n FROM connections c ${f.sql} GROUP BY c.status`, f.params);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** The tenant a connection belongs to, within the scope; 404 otherwise. */
  async tenantOf(scope: AdminScope, id: string): Promise<string> {
    const f = new SqlFilter().where('c.id = ?::uuid', id).scope('c.tenant_id', scope);
    const [row] = await this.dataSource.query(`SELECT c.tenant_id FROM connections c ${f.sql}`, f.params);
    if (!row) throw new NotFoundException(`no connection ${id}`);
    return row.tenant_id as string;
  }

  async row(tenantId: string, id: string): Promise<ConnectionRow & { baseUrl: string | null }> {
    const [row] = await this.dataSource.query(
      `SELECT ${COLUMNS}, c.base_url AS "baseUrl" FROM connections c JOIN tenants t ON t.id = c.tenant_id ${LAST_RUN} WHERE c.tenant_id = $1 AND c.id = $2`,
      [tenantId, id],
    );
    if (!row) throw new NotFoundException(`no connection ${id}`);
    return row;
  }

  /** Active and deleted records per entity: an index-only count over the connection's identity keys. */
  entityCounts(tenantId: string, id: string): Promise<EntityCount[]> {
    return this.dataSource.query(
      `SELECT entity, count(*) FILTER (WHERE deleted_at IS NULL)::int AS active, count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted,
              max(last_synced_at) AS "lastSyncedAt"
         FROM sync_records WHERE tenant_id = $1 AND connection_id = $2 GROUP BY entity ORDER BY entity`,
      [tenantId, id],
    );
  }

  /** The newest status changes, for the health history (most recent `limit`). */
  transitions(tenantId: string, id: string, limit = 200): Promise<TransitionRow[]> {
    return this.dataSource.query(
      `SELECT * FROM (SELECT from_status AS "fromStatus", to_status AS "toStatus", reason, at FROM connection_transitions
                        WHERE tenant_id = $1 AND connection_id = $2 ORDER BY at DESC LIMIT $3) x ORDER BY at`,
      [tenantId, id, limit],
    );
  }

  schedules(tenantId: string, id: string): Promise<ScheduleRow[]> {
    return this.dataSource.query(`SELECT entity, cron, mode FROM sync_schedules WHERE tenant_id = $1 AND connection_id = $2 ORDER BY entity`, [tenantId, id]);
  }

  /** Plugins that have connections in the scope, for the filter's choices. */
  async plugins(scope: AdminScope): Promise<string[]> {
    const f = new SqlFilter().scope('c.tenant_id', scope);
    return (await this.dataSource.query(`SELECT DISTINCT c.plugin FROM connections c ${f.sql} ORDER BY 1`, f.params)).map((r: { plugin: string }) => r.plugin);
  }
}
