import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminScope } from '../admin-scope';
import { likeEscape, pageOf, SqlFilter, type Page } from './sql-filter';

export interface AuditRow {
  id: string;
  tenantId: string | null;
  tenantName: string | null;
  actorType: string;
  actorId: string | null;
  actor: string | null;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
  ip: string | null;
  createdAt: Date;
}

export interface AuditFilter {
  actorType?: string;
  method?: string;
  route?: string;
  /** 2, 4 or 5: the status class */
  statusClass?: number;
}

/** The audit log, newest first by id, keyset-paginated; operators see entries of every tenant and tenantless ones (failed log-ins). */
@Injectable()
export class AuditQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(scope: AdminScope, filter: AuditFilter, cursor: unknown, limit = 50): Promise<Page<AuditRow>> {
    const f = new SqlFilter().scope('a.tenant_id', scope).optional('a.actor_type = ?', filter.actorType).optional('a.method = ?', filter.method);
    if (filter.route) f.where(`a.route LIKE ? ESCAPE '\\'`, `${likeEscape(filter.route)}%`);
    if (filter.statusClass) f.where('a.status >= ? AND a.status < ?', filter.statusClass * 100, filter.statusClass * 100 + 100);
    if (typeof cursor === 'string' && /^\d{1,18}$/.test(cursor)) f.where('a.id < ?::bigint', cursor);
    // the actor's readable name: a user's or an operator's email (operator actors are "operator:<id>" on system principals)
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT a.id::text AS id, a.tenant_id AS "tenantId", t.name AS "tenantName", a.actor_type AS "actorType", a.actor_id AS "actorId",
              coalesce(u.email, o.email, k.name) AS actor, a.method, a.route, a.status, a.duration_ms AS "durationMs", a.request_id AS "requestId", a.ip,
              a.created_at AS "createdAt"
         FROM (SELECT * FROM audit_log a ${f.sql} ORDER BY a.id DESC LIMIT ${f.param(limit + 1)}) a
         LEFT JOIN tenants t ON t.id = a.tenant_id
         LEFT JOIN users u ON a.actor_type = 'user' AND u.tenant_id = a.tenant_id AND u.id::text = a.actor_id
         LEFT JOIN api_keys k ON a.actor_type = 'api_key' AND k.tenant_id = a.tenant_id AND k.id::text = a.actor_id
         LEFT JOIN operators o ON a.actor_type = 'operator' AND o.id::text = a.actor_id
        ORDER BY a.id DESC`,
      f.params,
    );
    return pageOf(rows, limit, (r) => r.id);
  }
}
