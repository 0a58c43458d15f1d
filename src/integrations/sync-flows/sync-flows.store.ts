import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { RequestContext } from '../../core/tenancy';
import { canonicalJson } from '../sync';
import type { FlowHistoryEntry, FlowSide, FlowValues, SyncConflictRow, SyncFlowRow, SyncLinkRow } from './sync-flow.types';

export interface ChangedRecord {
  side: 'source' | 'target';
  externalId: string;
  unified: Record<string, unknown>;
  remoteUpdatedAt: Date | null;
  deleted: boolean;
}

export interface StoredSide {
  unified: Record<string, unknown>;
  remoteUpdatedAt: Date | null;
  updatedAt: Date;
}

export function valuesHash(v: FlowValues): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex');
}

type Q = Pick<EntityManager, 'query'> | DataSource;

/** Every SQL statement over the sync-flow tables; each names the tenant of the current context. */
@Injectable()
export class SyncFlowsStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
  ) {}

  private get tenantId(): string {
    return this.context.tenantId;
  }

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  async createFlow(f: Omit<SyncFlowRow, 'id' | 'cursor' | 'lastAppliedAt' | 'lastError' | 'createdAt'>): Promise<SyncFlowRow> {
    const [row] = await this.dataSource.query(
      `INSERT INTO sync_flows (tenant_id, name, source, target, mapping, direction, conflict, merge_rule, auto_apply)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, $9) RETURNING *`,
      [this.tenantId, f.name, JSON.stringify(f.source), JSON.stringify(f.target), JSON.stringify(f.mapping), f.direction, f.conflict, f.mergeRule, f.autoApply],
    );
    return toFlow(row);
  }

  async listFlows(): Promise<SyncFlowRow[]> {
    const rows = await this.dataSource.query(`SELECT * FROM sync_flows WHERE tenant_id = $1 ORDER BY created_at, id`, [this.tenantId]);
    return rows.map(toFlow);
  }

  async getFlow(id: string): Promise<SyncFlowRow | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM sync_flows WHERE tenant_id = $1 AND id = $2`, [this.tenantId, id]);
    return row ? toFlow(row) : null;
  }

  /** Flows that read this connection's entity (as source, or as target of a two-way flow). */
  async flowsOn(connectionId: string, entity: string): Promise<SyncFlowRow[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM sync_flows WHERE tenant_id = $1 AND auto_apply
          AND ((source->>'connectionId' = $2 AND source->>'entity' = $3)
            OR (direction = 'two_way' AND target->>'connectionId' = $2 AND target->>'entity' = $3))`,
      [this.tenantId, connectionId, entity],
    );
    return rows.map(toFlow);
  }

  async deleteFlow(id: string): Promise<boolean> {
    const [, n] = await this.dataSource.query(`DELETE FROM sync_flows WHERE tenant_id = $1 AND id = $2`, [this.tenantId, id]);
    return Number(n ?? 0) > 0;
  }

  async setCursor(flowId: string, cursor: string, error: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE sync_flows SET cursor = GREATEST(cursor, $3::bigint), last_applied_at = now(), last_error = $4 WHERE tenant_id = $1 AND id = $2`,
      [this.tenantId, flowId, cursor, error],
    );
  }

  /** The newest change id of the flow's streams, to bound one pass. */
  async maxChangeId(flow: SyncFlowRow): Promise<string> {
    const [r] = await this.dataSource.query(
      `SELECT coalesce(max(id), 0)::text AS id FROM sync_changes
        WHERE tenant_id = $1 AND ((connection_id = $2 AND entity = $3) OR (connection_id = $4 AND entity = $5))`,
      [this.tenantId, flow.source.connectionId, flow.source.entity, flow.target.connectionId, flow.target.entity],
    );
    return r.id;
  }

  /** Records of the flow's streams changed in (after, upTo], each once, with their current stored state. */
  async changedSince(flow: SyncFlowRow, after: string, upTo: string, withTarget: boolean): Promise<ChangedRecord[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `WITH ch AS (
         SELECT max(id) AS id, connection_id, entity, external_id FROM sync_changes
          WHERE tenant_id = $1 AND id > $2::bigint AND id <= $3::bigint
            AND ((connection_id = $4 AND entity = $5) OR ($8 AND connection_id = $6 AND entity = $7))
          GROUP BY connection_id, entity, external_id
       )
       SELECT CASE WHEN ch.connection_id = $4 AND ch.entity = $5 THEN 'source' ELSE 'target' END AS side,
              ch.external_id, r.unified, r.remote_updated_at, r.deleted_at IS NOT NULL AS deleted
         FROM ch JOIN sync_records r ON r.tenant_id = $1 AND r.connection_id = ch.connection_id AND r.entity = ch.entity AND r.external_id = ch.external_id
        ORDER BY ch.id`,
      [this.tenantId, after, upTo, flow.source.connectionId, flow.source.entity, flow.target.connectionId, flow.target.entity, withTarget],
    );
    return rows.map((r) => ({
      side: r.side as 'source' | 'target', externalId: r.external_id as string, unified: (r.unified ?? {}) as Record<string, unknown>,
      remoteUpdatedAt: r.remote_updated_at as Date | null, deleted: r.deleted as boolean,
    }));
  }

  async storedRecord(side: FlowSide, externalId: string): Promise<StoredSide | null> {
    const [r] = await this.dataSource.query(
      `SELECT unified, remote_updated_at, updated_at FROM sync_records
        WHERE tenant_id = $1 AND connection_id = $2 AND entity = $3 AND external_id = $4 AND deleted_at IS NULL`,
      [this.tenantId, side.connectionId, side.entity, externalId],
    );
    return r ? { unified: r.unified ?? {}, remoteUpdatedAt: r.remote_updated_at, updatedAt: r.updated_at } : null;
  }

  async link(flowId: string, side: 'source' | 'target', externalId: string): Promise<SyncLinkRow | null> {
    const col = side === 'source' ? 'source_external_id' : 'target_external_id';
    const [r] = await this.dataSource.query(`SELECT * FROM sync_links WHERE tenant_id = $1 AND flow_id = $2 AND ${col} = $3`, [this.tenantId, flowId, externalId]);
    return r ? toLink(r) : null;
  }

  async linkById(id: string, q: Q = this.dataSource): Promise<SyncLinkRow | null> {
    const [r] = await q.query(`SELECT * FROM sync_links WHERE tenant_id = $1 AND id = $2`, [this.tenantId, id]);
    return r ? toLink(r) : null;
  }

  async insertLink(l: Omit<SyncLinkRow, 'id' | 'sourceWrittenAt' | 'targetWrittenAt'>, written: 'source' | 'target', q: Q = this.dataSource): Promise<SyncLinkRow> {
    const [r] = await q.query(
      `INSERT INTO sync_links (tenant_id, flow_id, source_external_id, target_external_id, source_hash, target_hash, source_values, target_values, source_written_at, target_written_at)
       VALUES ($1, $2, $3, $4, decode($5, 'hex'), decode($6, 'hex'), $7::jsonb, $8::jsonb, CASE WHEN $9 THEN now() END, CASE WHEN $9 THEN NULL ELSE now() END) RETURNING *`,
      [this.tenantId, l.flowId, l.sourceExternalId, l.targetExternalId, valuesHash(l.sourceValues), valuesHash(l.targetValues), JSON.stringify(l.sourceValues), JSON.stringify(l.targetValues), written === 'source'],
    );
    return toLink(r);
  }

  /** The last applied state of both sides: what the next comparison starts from, and what an echo looks like. */
  async updateLink(id: string, sourceValues: FlowValues, targetValues: FlowValues, written: { source: boolean; target: boolean }, q: Q = this.dataSource): Promise<void> {
    await q.query(
      `UPDATE sync_links SET source_values = $3::jsonb, target_values = $4::jsonb, source_hash = decode($5, 'hex'), target_hash = decode($6, 'hex'), updated_at = now(),
              source_written_at = CASE WHEN $7 THEN now() ELSE source_written_at END, target_written_at = CASE WHEN $8 THEN now() ELSE target_written_at END
        WHERE tenant_id = $1 AND id = $2`,
      [this.tenantId, id, JSON.stringify(sourceValues), JSON.stringify(targetValues), valuesHash(sourceValues), valuesHash(targetValues), written.source, written.target],
    );
  }

  async history(e: FlowHistoryEntry, q: Q = this.dataSource): Promise<void> {
    await q.query(
      `INSERT INTO sync_flow_history (tenant_id, flow_id, direction, op, source_external_id, target_external_id, fields, before, after, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::jsonb, $9::jsonb, $10)`,
      [this.tenantId, e.flowId, e.direction, e.op, e.sourceExternalId, e.targetExternalId, e.fields, JSON.stringify(e.before), JSON.stringify(e.after), e.reason],
    );
  }

  async listHistory(flowId: string, page: { cursor?: string; limit: number }): Promise<{ data: Record<string, unknown>[]; nextCursor: string | null }> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT * FROM sync_flow_history WHERE tenant_id = $1 AND flow_id = $2 AND id > $3::bigint ORDER BY id LIMIT $4`,
      [this.tenantId, flowId, page.cursor ?? '0', page.limit + 1],
    );
    const data = rows.slice(0, page.limit).map((r) => ({
      id: String(r.id), flowId: r.flow_id, direction: r.direction, op: r.op, sourceExternalId: r.source_external_id, targetExternalId: r.target_external_id,
      fields: r.fields, before: r.before, after: r.after, reason: r.reason, at: r.at,
    }));
    return { data, nextCursor: rows.length > page.limit ? data.at(-1)!.id : null };
  }

  /** Opens a conflict on a link, or refreshes the open one (one open conflict per link). */
  async openConflict(c: { flowId: string; linkId: string; fields: string[]; sourceValues: FlowValues; targetValues: FlowValues }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO sync_conflicts (tenant_id, flow_id, link_id, fields, source_values, target_values)
       VALUES ($1, $2, $3, $4::text[], $5::jsonb, $6::jsonb)
       ON CONFLICT (link_id) WHERE status = 'open' DO UPDATE
         SET fields = ARRAY(SELECT DISTINCT unnest(sync_conflicts.fields || EXCLUDED.fields)),
             source_values = sync_conflicts.source_values || EXCLUDED.source_values,
             target_values = sync_conflicts.target_values || EXCLUDED.target_values`,
      [this.tenantId, c.flowId, c.linkId, c.fields, JSON.stringify(c.sourceValues), JSON.stringify(c.targetValues)],
    );
  }

  async listConflicts(filter: { status?: string; flowId?: string }): Promise<SyncConflictRow[]> {
    const rows = await this.dataSource.query(
      `SELECT c.*, l.source_external_id, l.target_external_id FROM sync_conflicts c JOIN sync_links l ON l.id = c.link_id AND l.tenant_id = c.tenant_id
        WHERE c.tenant_id = $1 AND ($2::text IS NULL OR c.status = $2) AND ($3::uuid IS NULL OR c.flow_id = $3)
        ORDER BY c.created_at, c.id LIMIT 500`,
      [this.tenantId, filter.status ?? null, filter.flowId ?? null],
    );
    return rows.map(toConflict);
  }

  async conflict(id: string, q: Q = this.dataSource, forUpdate = false): Promise<SyncConflictRow | null> {
    const [r] = await q.query(
      `SELECT c.*, l.source_external_id, l.target_external_id FROM sync_conflicts c JOIN sync_links l ON l.id = c.link_id AND l.tenant_id = c.tenant_id
        WHERE c.tenant_id = $1 AND c.id = $2${forUpdate ? ' FOR UPDATE OF c' : ''}`,
      [this.tenantId, id],
    );
    return r ? toConflict(r) : null;
  }

  async resolveConflict(id: string, resolution: unknown, q: Q = this.dataSource): Promise<void> {
    await q.query(
      `UPDATE sync_conflicts SET status = 'resolved', resolution = $3::jsonb, resolved_at = now() WHERE tenant_id = $1 AND id = $2`,
      [this.tenantId, id, JSON.stringify(resolution)],
    );
  }
}

function toFlow(r: Record<string, unknown>): SyncFlowRow {
  return {
    id: r.id as string, name: r.name as string, source: r.source as FlowSide, target: r.target as FlowSide, mapping: r.mapping as SyncFlowRow['mapping'],
    direction: r.direction as SyncFlowRow['direction'], conflict: r.conflict as SyncFlowRow['conflict'], mergeRule: (r.merge_rule ?? null) as SyncFlowRow['mergeRule'],
    autoApply: r.auto_apply as boolean, cursor: String(r.cursor), lastAppliedAt: r.last_applied_at as Date | null, lastError: r.last_error as string | null,
    createdAt: r.created_at as Date,
  };
}

function toLink(r: Record<string, unknown>): SyncLinkRow {
  return {
    id: String(r.id), flowId: r.flow_id as string, sourceExternalId: r.source_external_id as string, targetExternalId: r.target_external_id as string,
    sourceValues: r.source_values as FlowValues, targetValues: r.target_values as FlowValues,
    sourceWrittenAt: (r.source_written_at ?? null) as Date | null, targetWrittenAt: (r.target_written_at ?? null) as Date | null,
  };
}

function toConflict(r: Record<string, unknown>): SyncConflictRow {
  return {
    id: r.id as string, flowId: r.flow_id as string, linkId: String(r.link_id), sourceExternalId: r.source_external_id as string,
    targetExternalId: r.target_external_id as string, fields: r.fields as string[], sourceValues: r.source_values as FlowValues,
    targetValues: r.target_values as FlowValues, status: r.status as 'open' | 'resolved', resolution: r.resolution ?? null,
    createdAt: r.created_at as Date, resolvedAt: r.resolved_at as Date | null,
  };
}
