import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminScope } from '../admin-scope';
import { decodeCursor, encodeCursor, pageOf, SqlFilter, type Page } from './sql-filter';

export interface ConflictField {
  field: string;
  /** the target's name for it, from the flow's mapping */
  targetField: string;
  source: unknown;
  target: unknown;
}

export interface ConflictRow {
  id: string;
  tenantId: string;
  tenantName: string;
  flowId: string;
  flowName: string;
  sourceConnection: string | null;
  targetConnection: string | null;
  sourceEntity: string;
  targetEntity: string;
  sourceExternalId: string;
  targetExternalId: string;
  status: string;
  resolution: unknown;
  createdAt: Date;
  resolvedAt: Date | null;
  fields: ConflictField[];
}

interface ConflictDbRow extends Omit<ConflictRow, 'fields'> {
  fieldNames: string[];
  sourceValues: Record<string, unknown>;
  targetValues: Record<string, unknown>;
  mapping: { from: string; to: string }[];
  cursorTs: string;
}

/** Conflicts of manual sync flows, both sides' values field by field, oldest first (the queue to work through). */
@Injectable()
export class ConflictsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(scope: AdminScope, status: 'open' | 'resolved', cursor: unknown, limit = 20): Promise<Page<ConflictRow>> {
    const f = new SqlFilter().scope('c.tenant_id', scope).where('c.status = ?', status);
    const after = decodeCursor(cursor, 2);
    if (after) f.where('(c.created_at, c.id) > (?::timestamptz, ?::uuid)', after[0], after[1]);
    const rows: ConflictDbRow[] = await this.dataSource.query(`${SELECT} ${f.sql} ORDER BY c.created_at, c.id LIMIT ${f.param(limit + 1)}`, f.params);
    const page = pageOf(rows, limit, (r) => encodeCursor([r.cursorTs, r.id]));
    return { rows: page.rows.map(withFields), next: page.next };
  }

  async tenantOf(scope: AdminScope, id: string): Promise<string> {
    const f = new SqlFilter().where('c.id = ?::uuid', id).scope('c.tenant_id', scope);
    const [row] = await this.dataSource.query(`SELECT c.tenant_id FROM sync_conflicts c ${f.sql}`, f.params);
    if (!row) throw new NotFoundException(`no conflict ${id}`);
    return row.tenant_id as string;
  }

  async openCount(scope: AdminScope): Promise<number> {
    const f = new SqlFilter().scope('c.tenant_id', scope).where(`c.status = 'open'`);
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM sync_conflicts c ${f.sql}`, f.params);
    return row.n;
  }
}

const SELECT = `
  SELECT c.id, c.tenant_id AS "tenantId", t.name AS "tenantName", c.flow_id AS "flowId", fl.name AS "flowName",
         sc.name AS "sourceConnection", tc.name AS "targetConnection", fl.source->>'entity' AS "sourceEntity", fl.target->>'entity' AS "targetEntity",
         l.source_external_id AS "sourceExternalId", l.target_external_id AS "targetExternalId", c.status, c.resolution,
         c.created_at AS "createdAt", c.resolved_at AS "resolvedAt", c.created_at::text AS "cursorTs",
         c.fields AS "fieldNames", c.source_values AS "sourceValues", c.target_values AS "targetValues", fl.mapping
    FROM sync_conflicts c
    JOIN tenants t ON t.id = c.tenant_id
    JOIN sync_flows fl ON fl.id = c.flow_id AND fl.tenant_id = c.tenant_id
    JOIN sync_links l ON l.id = c.link_id AND l.tenant_id = c.tenant_id
    LEFT JOIN connections sc ON sc.tenant_id = c.tenant_id AND sc.id = (fl.source->>'connectionId')::uuid
    LEFT JOIN connections tc ON tc.tenant_id = c.tenant_id AND tc.id = (fl.target->>'connectionId')::uuid`;

function withFields(r: ConflictDbRow): ConflictRow {
  const { fieldNames, sourceValues, targetValues, mapping, cursorTs: _cursor, ...rest } = r;
  const fields = fieldNames.map((field) => ({
    field, targetField: mapping.find((m) => m.from === field)?.to ?? field, source: sourceValues[field], target: targetValues[field],
  }));
  return { ...rest, fields };
}
