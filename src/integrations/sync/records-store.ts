import { finished } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, type EntityManager } from 'typeorm';
import { RequestContext } from '../../core/tenancy';
import type { ChangeOp } from './sync-change.entity';
import type { SyncCheckpoint, SyncWaits } from './sync-run.entity';

/** Which stream of records a run writes: one connection's entity. */
export interface RecordStream {
  connectionId: string;
  plugin: string;
  entity: string;
  model: string;
}

/** A fetched record, hashed. */
export interface FetchedRecord {
  externalId: string;
  raw: unknown;
  /** sha256 of the canonical record, hex */
  hash: string;
}

/** What is stored besides the raw record; worked out only for records that changed. */
export interface RecordDetails {
  unified: unknown;
  remoteUpdatedAt: Date | null;
}

type RecordWrite = FetchedRecord & RecordDetails & { op: Exclude<ChangeOp, 'deleted'> };

export interface BatchCommit {
  runId: string;
  stream: RecordStream;
  /** the batch's records, one per external id; only those whose hash differs from the stored one are written */
  records: FetchedRecord[];
  details(raw: unknown): RecordDetails;
  /** ids the platform reported deleted (incremental runs) */
  deletedIds: string[];
  /** full runs record every id they saw (for the deletion sweep), under the batch's first page number */
  seenPage: number | null;
  dryRun: boolean;
  /** the checkpoint after this batch, and how many pages it held */
  checkpoint: SyncCheckpoint;
  pages: number;
  waits: SyncWaits;
}

export interface BatchCounts {
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export interface SweepResult {
  active: number;
  missing: number;
  deleted: number;
}

export interface StoredRecordRow {
  id: string;
  connectionId: string;
  plugin: string;
  entity: string;
  model: string;
  externalId: string;
  unified: unknown;
  raw?: unknown;
  remoteUpdatedAt: Date | null;
  firstSeenAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export interface KeysetPage<T> {
  data: T[];
  nextCursor: string | null;
}

export class SyncDeleteGuardError extends Error {}

/** What the store holds under a fetched record's external id, when it differs from the record. */
type StoredState = 'absent' | 'deleted' | 'active';

/** A differing record: what is stored under its id, and the row id drawn for it when nothing is. */
interface Difference {
  state: StoredState;
  newId: string | null;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value as a field of COPY's text format. */
function copyText(v: string): string {
  return /[\\\n\r\t]/.test(v) ? v.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]) : v;
}

/** JSON as a COPY text field: JSON.stringify escapes control characters itself, which leaves backslashes. */
function copyJson(v: unknown): string {
  const json = JSON.stringify(v ?? null);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

/** Streams one COPY ... FROM STDIN on the transaction's connection. */
async function copyIn(client: PoolClient, sql: string, text: string): Promise<void> {
  const stream = client.query(copyFrom(sql));
  stream.end(text);
  await finished(stream);
}

/**
 * Every SQL statement over the sync tables, in one place. Bulk writes use COPY (new records) and
 * multi-row statements (jsonb_to_recordset) rather than one ORM save per row; each statement names
 * the tenant of the current context, so nothing here can touch another tenant's rows.
 */
@Injectable()
export class RecordsStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
  ) {}

  private get tenantId(): string {
    return this.context.tenantId;
  }

  /**
   * Writes one batch of pages atomically: compares the records' hashes with the stored ones, writes
   * the added and changed records and their change-log rows, the deletions the platform reported, the
   * seen ids, and the run's checkpoint and counts. A crash before COMMIT leaves the run at the previous
   * batch's checkpoint, so the pages are fetched again and nothing is doubled.
   */
  commitBatch(b: BatchCommit): Promise<BatchCounts> {
    const t = this.tenantId;
    const s = b.stream;
    return this.dataSource.transaction(async (m) => {
      // A batch's rows and its checkpoint commit together, so losing the newest commits in a database
      // crash only rewinds the run to an earlier checkpoint: no need to wait for the WAL flush.
      await m.query('SET LOCAL synchronous_commit TO OFF');
      const differing = await this.differing(m, b);
      // records never stored are copied in; changed and soft-deleted ones are updated in place
      const fresh: (RecordWrite & { id: string })[] = [];
      const stored: RecordWrite[] = [];
      for (const r of b.records) {
        const d = differing.get(r.externalId);
        if (d === undefined) continue;
        const write: RecordWrite = { ...r, ...b.details(r.raw), op: d.state === 'active' ? 'updated' : 'added' };
        if (d.newId !== null) fresh.push({ ...write, id: d.newId });
        else stored.push(write);
      }
      if (!b.dryRun && fresh.length) await this.copyFresh(m, b.runId, s, fresh);
      if (!b.dryRun && stored.length) await this.upsert(m, b.runId, s, stored);
      let deleted = 0;
      if (b.deletedIds.length) deleted = b.dryRun ? await this.countActive(m, s, b.deletedIds) : await this.markDeleted(m, b.runId, s, b.deletedIds);
      const written = fresh.length + stored.length;
      const added = fresh.length + stored.filter((w) => w.op === 'added').length;
      const counts = { added, updated: written - added, unchanged: b.records.length - written, deleted };
      await m.query(
        `UPDATE sync_runs SET checkpoint = $3::jsonb, added = added + $4, updated = updated + $5, unchanged = unchanged + $6,
                deleted = deleted + $7, pages = pages + $8, waits = $9::jsonb
          WHERE tenant_id = $1 AND id = $2`,
        [t, b.runId, JSON.stringify(b.checkpoint), counts.added, counts.updated, counts.unchanged, deleted, b.pages, JSON.stringify(b.waits)],
      );
      return counts;
    });
  }

  /**
   * The batch's records that are new, deleted or changed (external id -> what is stored under it, and
   * for a record never stored, unless this is a dry run, its row id from the identity sequence);
   * unchanged ones are compared in Postgres and never come back. Full runs store the
   * batch's ids for the sweep in the same statement. Ids and hashes travel as one JSON parameter:
   * the pg client's array encoding costs far more CPU per element.
   */
  private async differing(m: EntityManager, b: BatchCommit): Promise<Map<string, Difference>> {
    const params: unknown[] = [this.tenantId, b.stream.connectionId, b.stream.entity, JSON.stringify(b.records.map((r) => [r.externalId, r.hash]))];
    let seen = '';
    if (b.seenPage !== null) {
      params.push(b.runId, b.seenPage);
      seen = `, seen AS (
         INSERT INTO sync_run_pages (run_id, page, tenant_id, external_ids) SELECT $5, $6, $1, array_agg(external_id) FROM batch
         ON CONFLICT (run_id, page) DO UPDATE SET external_ids = EXCLUDED.external_ids
       )`;
    }
    // One index probe per key (LATERAL ... LIMIT 1 keeps the planner from flattening it): during a first
    // sync the statistics say the stream is empty, and a join then hashed the whole stream for every batch.
    params.push(!b.dryRun);
    const rows: { external_id: string; state: StoredState; new_id: string | null }[] = await m.query(
      `WITH batch AS (SELECT e->>0 AS external_id, decode(e->>1, 'hex') AS hash FROM json_array_elements($4::json) e)${seen}
       SELECT b.external_id, CASE WHEN r.external_id IS NULL THEN 'absent' WHEN r.deleted_at IS NULL THEN 'active' ELSE 'deleted' END AS state,
              CASE WHEN r.external_id IS NULL AND $${params.length}::boolean THEN nextval(pg_get_serial_sequence('sync_records', 'id')) END AS new_id
         FROM batch b
         LEFT JOIN LATERAL (
           SELECT external_id, hash, deleted_at FROM sync_records
            WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND external_id = b.external_id
            LIMIT 1
         ) r ON true
        WHERE r.external_id IS NULL OR r.deleted_at IS NOT NULL OR r.hash <> b.hash`,
      params,
    );
    return new Map(rows.map((r) => [r.external_id, { state: r.state, newId: r.new_id === null ? null : String(r.new_id) }]));
  }

  /**
   * Writes records that have never been stored with COPY, and their `added` change rows, under the
   * row ids differing() drew for them, so both tables get them. Only the run's own stream writes
   * these keys (one active run per stream), so no conflict handling is needed.
   */
  private async copyFresh(m: EntityManager, runId: string, s: RecordStream, writes: (RecordWrite & { id: string })[]): Promise<void> {
    const stream = [this.tenantId, s.connectionId, s.plugin, s.entity, s.model].map(copyText).join('\t');
    const change = [s.connectionId, s.entity, s.model].map(copyText).join('\t');
    let records = '';
    let changes = '';
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i];
      const externalId = copyText(w.externalId);
      records += `${w.id}\t${stream}\t${externalId}\t${copyJson(w.raw)}\t${copyJson(w.unified)}\t\\\\x${w.hash}\t${w.remoteUpdatedAt ? w.remoteUpdatedAt.toISOString() : '\\N'}\n`;
      changes += `${this.tenantId}\t${runId}\t${w.id}\t${change}\t${externalId}\tadded\n`;
    }
    const client = (await m.queryRunner!.connect()) as PoolClient;
    await copyIn(client, 'COPY sync_records (id, tenant_id, connection_id, plugin, entity, model, external_id, raw, unified, hash, remote_updated_at) FROM STDIN', records);
    await copyIn(client, 'COPY sync_changes (tenant_id, run_id, record_id, connection_id, entity, model, external_id, op) FROM STDIN', changes);
  }

  private async upsert(m: EntityManager, runId: string, s: RecordStream, writes: RecordWrite[]): Promise<void> {
    const input = JSON.stringify(
      writes.map((w) => ({ external_id: w.externalId, raw: w.raw, unified: w.unified, hash: w.hash, remote_updated_at: w.remoteUpdatedAt, op: w.op })),
    );
    await m.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS x(external_id text, raw jsonb, unified jsonb, hash text, remote_updated_at timestamptz, op text)
       ), up AS (
         INSERT INTO sync_records AS r (tenant_id, connection_id, plugin, entity, model, external_id, raw, unified, hash, remote_updated_at)
         SELECT $2, $3, $4, $5, $6, external_id, raw, unified, decode(hash, 'hex'), remote_updated_at FROM input
         ON CONFLICT (tenant_id, connection_id, entity, external_id) DO UPDATE
           SET raw = EXCLUDED.raw, unified = EXCLUDED.unified, hash = EXCLUDED.hash, model = EXCLUDED.model,
               remote_updated_at = EXCLUDED.remote_updated_at, last_synced_at = now(), updated_at = now(), deleted_at = NULL
         RETURNING r.id, r.external_id
       )
       INSERT INTO sync_changes (tenant_id, run_id, record_id, connection_id, entity, model, external_id, op)
       SELECT $2, $7, up.id, $3, $5, $6, up.external_id, input.op FROM up JOIN input USING (external_id)`,
      [input, this.tenantId, s.connectionId, s.plugin, s.entity, s.model, runId],
    );
  }

  private async countActive(m: EntityManager, s: RecordStream, externalIds: string[]): Promise<number> {
    const [r] = await m.query(
      `SELECT count(*)::int AS n FROM sync_records
        WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND external_id = ANY($4::text[]) AND deleted_at IS NULL`,
      [this.tenantId, s.connectionId, s.entity, externalIds],
    );
    return r.n;
  }

  private async markDeleted(m: EntityManager, runId: string, s: RecordStream, externalIds: string[]): Promise<number> {
    const [r] = await m.query(
      `WITH gone AS (
         UPDATE sync_records SET deleted_at = now(), updated_at = now()
          WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND external_id = ANY($4::text[]) AND deleted_at IS NULL
          RETURNING id, external_id, model
       ), logged AS (
         INSERT INTO sync_changes (tenant_id, run_id, record_id, connection_id, entity, model, external_id, op)
         SELECT $1, $5, id, $2, $3, model, external_id, 'deleted' FROM gone RETURNING 1
       ) SELECT count(*)::int AS n FROM logged`,
      [this.tenantId, s.connectionId, s.entity, externalIds, runId],
    );
    return r.n;
  }

  /**
   * Ends a run successfully in one transaction. Full runs first soft-delete the stream's records
   * they did not see, unless that is more than `guardRatio` of them and `force` is off: then
   * nothing is written and SyncDeleteGuardError is thrown. Sets the incremental high-water mark.
   */
  complete(opts: { runId: string; stream: RecordStream; sweep: boolean; dryRun: boolean; force: boolean; guardRatio: number; highWater: Date | null }): Promise<SweepResult> {
    const t = this.tenantId;
    const s = opts.stream;
    return this.dataSource.transaction(async (m) => {
      const result: SweepResult = { active: 0, missing: 0, deleted: 0 };
      // an uncorrelated NOT IN becomes one hashed subplan; a correlated NOT EXISTS (or a join on a CTE
      // without statistics) re-read the seen ids for every record, which made the sweep quadratic
      const seen = `seen AS (SELECT unnest(external_ids) AS external_id FROM sync_run_pages WHERE run_id = $4 AND tenant_id = $1)`;
      if (opts.sweep) {
        const [c] = await m.query(
          `WITH ${seen}
           SELECT count(*)::int AS active, count(*) FILTER (WHERE r.external_id NOT IN (SELECT external_id FROM seen))::int AS missing
             FROM sync_records r WHERE r.tenant_id = $1 AND r.connection_id = $2 AND r.entity = $3 AND r.deleted_at IS NULL`,
          [t, s.connectionId, s.entity, opts.runId],
        );
        Object.assign(result, { active: c.active, missing: c.missing });
        if (c.missing > 0 && c.missing > opts.guardRatio * c.active && !opts.force) {
          throw new SyncDeleteGuardError(
            `refused to delete ${c.missing} of ${c.active} ${s.entity} records (${Math.round((100 * c.missing) / c.active)}%, over the ${Math.round(100 * opts.guardRatio)}% guard): ` +
              'check the connection sees all its data, then run again with force',
          );
        }
        if (c.missing > 0 && !opts.dryRun) {
          const [d] = await m.query(
            `WITH ${seen}, gone AS (
               UPDATE sync_records r SET deleted_at = now(), updated_at = now()
                WHERE r.tenant_id = $1 AND r.connection_id = $2 AND r.entity = $3 AND r.deleted_at IS NULL
                  AND r.external_id NOT IN (SELECT external_id FROM seen)
                RETURNING r.id, r.external_id, r.model
             ), logged AS (
               INSERT INTO sync_changes (tenant_id, run_id, record_id, connection_id, entity, model, external_id, op)
               SELECT $1, $4, id, $2, $3, model, external_id, 'deleted' FROM gone RETURNING 1
             ) SELECT count(*)::int AS n FROM logged`,
            [t, s.connectionId, s.entity, opts.runId],
          );
          result.deleted = d.n;
        } else {
          result.deleted = c.missing;
        }
      }
      await m.query(`DELETE FROM sync_run_pages WHERE tenant_id = $1 AND run_id = $2`, [t, opts.runId]);
      if (opts.highWater && !opts.dryRun) {
        await m.query(
          `INSERT INTO sync_state (tenant_id, connection_id, entity, high_water, last_run_id) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, connection_id, entity) DO UPDATE SET high_water = EXCLUDED.high_water, last_run_id = EXCLUDED.last_run_id, updated_at = now()`,
          [t, s.connectionId, s.entity, opts.highWater, opts.runId],
        );
      }
      await m.query(
        `UPDATE sync_runs SET status = 'succeeded', finished_at = clock_timestamp(), deleted = deleted + $3, error = NULL WHERE tenant_id = $1 AND id = $2`,
        [t, opts.runId, result.deleted],
      );
      return result;
    });
  }

  /** Drops a run's scratch rows (after a failure). */
  async discardScratch(runId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM sync_run_pages WHERE tenant_id = $1 AND run_id = $2`, [this.tenantId, runId]);
  }

  /** Deletes everything synced from a connection: records, their change log and state. */
  purgeConnection(connectionId: string): Promise<number> {
    const t = this.tenantId;
    return this.dataSource.transaction(async (m) => {
      await m.query(`DELETE FROM sync_changes WHERE tenant_id = $1 AND connection_id = $2`, [t, connectionId]);
      await m.query(`DELETE FROM sync_state WHERE tenant_id = $1 AND connection_id = $2`, [t, connectionId]);
      const [, n] = await m.query(`DELETE FROM sync_records WHERE tenant_id = $1 AND connection_id = $2`, [t, connectionId]);
      return Number(n ?? 0);
    });
  }

  /**
   * Records by unified model or by platform entity, oldest change first, keyset-paginated on
   * (updated_at, id) so pages stay stable while syncs write.
   */
  async list(filter: { model?: string; plugin?: string; entity?: string; connectionId?: string; modifiedSince?: Date; includeDeleted?: boolean; withRaw?: boolean }, page: { cursor?: string; limit: number }): Promise<KeysetPage<StoredRecordRow>> {
    const params: unknown[] = [this.tenantId];
    const where = ['r.tenant_id = $1'];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.model) add('r.model = ?', filter.model);
    if (filter.plugin) add('r.plugin = ?', filter.plugin);
    if (filter.entity) add('r.entity = ?', filter.entity);
    if (filter.connectionId) add('r.connection_id = ?', filter.connectionId);
    if (filter.modifiedSince) add('r.updated_at >= ?', filter.modifiedSince);
    if (!filter.includeDeleted) where.push('r.deleted_at IS NULL');
    if (page.cursor) {
      const c = decodeCursor(page.cursor);
      params.push(c.ts, c.id);
      where.push(`(r.updated_at, r.id) > ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
    }
    params.push(page.limit + 1);
    const rows: (Record<string, unknown> & { ts: string })[] = await this.dataSource.query(
      `SELECT r.id, r.connection_id, r.plugin, r.entity, r.model, r.external_id, r.unified, ${filter.withRaw ? 'r.raw,' : ''}
              r.remote_updated_at, r.first_seen_at, r.updated_at, r.deleted_at, r.updated_at::text AS ts
         FROM sync_records r WHERE ${where.join(' AND ')}
        ORDER BY r.updated_at, r.id LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > page.limit;
    const data = rows.slice(0, page.limit);
    const last = data.at(-1);
    return {
      data: data.map((r) => ({
        id: String(r.id), connectionId: r.connection_id as string, plugin: r.plugin as string, entity: r.entity as string, model: r.model as string,
        externalId: r.external_id as string, unified: r.unified, ...(filter.withRaw ? { raw: r.raw } : {}),
        remoteUpdatedAt: r.remote_updated_at as Date | null, firstSeenAt: r.first_seen_at as Date, updatedAt: r.updated_at as Date, deletedAt: r.deleted_at as Date | null,
      })),
      nextCursor: more && last ? encodeCursor(last.ts, String(last.id)) : null,
    };
  }

  /** The change feed after a cursor (a change id), in order. */
  async changes(opts: { since?: string; limit: number; model?: string }): Promise<{ data: Record<string, unknown>[]; nextCursor: string }> {
    const params: unknown[] = [this.tenantId, opts.since ?? '0', opts.limit];
    let extra = '';
    if (opts.model) {
      params.push(opts.model);
      extra = ` AND model = $${params.length}`;
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT id, op, at, run_id, record_id, connection_id, entity, model, external_id
         FROM sync_changes WHERE tenant_id = $1 AND id > $2::bigint${extra} ORDER BY id LIMIT $3`,
      params,
    );
    const data = rows.map((r) => ({
      id: String(r.id), op: r.op, at: r.at, runId: r.run_id, recordId: String(r.record_id), connectionId: r.connection_id,
      entity: r.entity, model: r.model, externalId: r.external_id,
    }));
    return { data, nextCursor: data.at(-1)?.id ?? opts.since ?? '0' };
  }

  /** How many change-log rows this tenant has (tests and the bench use it to count writes). */
  async changeCount(): Promise<number> {
    const [r] = await this.dataSource.query(`SELECT count(*)::int AS n FROM sync_changes WHERE tenant_id = $1`, [this.tenantId]);
    return r.n;
  }
}

function encodeCursor(ts: string, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

export class InvalidCursorError extends Error {}

function decodeCursor(cursor: string): { ts: string; id: string } {
  try {
    const [ts, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof ts !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/.test(ts) || !/^\d{1,19}$/.test(id)) throw new Error();
    return { ts, id };
  } catch {
    throw new InvalidCursorError('cursor must be a nextCursor value from a previous page');
  }
}
