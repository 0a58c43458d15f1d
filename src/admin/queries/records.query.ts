import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, likeEscape, pageOf, SqlFilter, type Page } from './sql-filter';

export interface RecordRow {
  id: string;
  externalId: string;
  model: string;
  unified: unknown;
  remoteUpdatedAt: Date | null;
  updatedAt: Date;
  deletedAt: Date | null;
  cursorTs: string;
}

export interface RecordDetail extends Omit<RecordRow, 'cursorTs'> {
  entity: string;
  raw: unknown;
  firstSeenAt: Date;
  lastSyncedAt: Date;
}

/**
 * One connection's records of one entity (the tenant is already known from the connection), newest
 * change first on the platform index (tenant, plugin, entity, updated_at, id). A search matches the
 * external id's start or any text of the unified record; the ordered scan stops at the page's end.
 */
@Injectable()
export class RecordsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(stream: { tenantId: string; connectionId: string; plugin: string; entity: string }, opts: { q?: string; deleted?: boolean }, cursor: unknown, limit = 50): Promise<Page<RecordRow>> {
    const f = new SqlFilter()
      .where('r.tenant_id = ?::uuid', stream.tenantId).where('r.plugin = ?', stream.plugin).where('r.entity = ?', stream.entity)
      .where('r.connection_id = ?::uuid', stream.connectionId);
    if (!opts.deleted) f.where('r.deleted_at IS NULL');
    if (opts.q) {
      const pattern = likeEscape(opts.q);
      f.where(`(r.external_id LIKE ? ESCAPE '\\' OR r.unified::text ILIKE ? ESCAPE '\\')`, `${pattern}%`, `%${pattern}%`);
    }
    const after = decodeCursor(cursor, 2);
    if (after && /^\d{1,19}$/.test(after[1])) f.where('(r.updated_at, r.id) < (?::timestamptz, ?::bigint)', after[0], after[1]);
    const rows: RecordRow[] = await this.dataSource.query(
      `SELECT r.id::text AS id, r.external_id AS "externalId", r.model, r.unified, r.remote_updated_at AS "remoteUpdatedAt", r.updated_at AS "updatedAt",
              r.deleted_at AS "deletedAt", r.updated_at::text AS "cursorTs"
         FROM sync_records r ${f.sql} ORDER BY r.updated_at DESC, r.id DESC LIMIT ${f.param(limit + 1)}`,
      f.params,
    );
    return pageOf(rows, limit, (r) => encodeCursor([r.cursorTs, r.id]));
  }

  async get(tenantId: string, connectionId: string, id: string): Promise<RecordDetail> {
    if (!/^\d{1,19}$/.test(id)) throw new NotFoundException(`no record ${id}`);
    const [row] = await this.dataSource.query(
      `SELECT r.id::text AS id, r.entity, r.external_id AS "externalId", r.model, r.unified, r.raw, r.remote_updated_at AS "remoteUpdatedAt",
              r.first_seen_at AS "firstSeenAt", r.last_synced_at AS "lastSyncedAt", r.updated_at AS "updatedAt", r.deleted_at AS "deletedAt"
         FROM sync_records r WHERE r.tenant_id = $1 AND r.connection_id = $2 AND r.id = $3::bigint`,
      [tenantId, connectionId, id],
    );
    if (!row) throw new NotFoundException(`no record ${id}`);
    return row;
  }
}
