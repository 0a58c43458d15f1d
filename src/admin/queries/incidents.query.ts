import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminScope } from '../admin-scope';
import { SqlFilter } from './sql-filter';

export interface IncidentRow {
  id: string;
  tenantId: string;
  tenantName: string;
  title: string;
  severity: string;
  status: string;
  plugin: string | null;
  openedAt: Date;
}

const SEVERITY = `CASE a.severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END`;

/** The dashboard's open incidents (the monitoring area's alerts not yet resolved), worst and newest first. */
@Injectable()
export class IncidentsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async open(scope: AdminScope, limit = 8): Promise<{ rows: IncidentRow[]; total: number }> {
    const f = new SqlFilter().scope('a.tenant_id', scope).where(`a.status <> 'resolved'`);
    const [rows, [count]] = await Promise.all([
      this.dataSource.query(
        `SELECT a.id, a.tenant_id AS "tenantId", t.name AS "tenantName", a.title, a.severity, a.status, a.plugin, a.opened_at AS "openedAt"
           FROM alerts a JOIN tenants t ON t.id = a.tenant_id ${f.sql} ORDER BY ${SEVERITY}, a.opened_at DESC LIMIT ${f.param(limit)}`,
        f.params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM alerts a ${f.sql}`, f.params.slice(0, -1)),
    ]);
    return { rows, total: count.n };
  }
}
