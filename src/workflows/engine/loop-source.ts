import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface LoopPage {
  items: unknown[];
  /** where the next page starts */
  cursor: string | null;
  more: boolean;
}

/**
 * A loop over synced records reads them a page at a time in id order (keyset), so a loop over a
 * model of a million records holds one page. Tenant-scoped SQL over the sync area's records table,
 * as the sync-flows store reads it.
 */
@Injectable()
export class LoopSource {
  constructor(private readonly dataSource: DataSource) {}

  async records(tenantId: string, source: { model: string; connectionId?: string }, cursor: string | null, limit: number): Promise<LoopPage> {
    const rows: { id: string; connection_id: string; entity: string; external_id: string; unified: unknown; updated_at: Date }[] = await this.dataSource.query(
      `SELECT id::text, connection_id, entity, external_id, unified, updated_at FROM sync_records
        WHERE tenant_id = $1 AND model = $2 AND deleted_at IS NULL AND ($3::uuid IS NULL OR connection_id = $3) AND id > $4::bigint
        ORDER BY id LIMIT $5`,
      [tenantId, source.model, source.connectionId ?? null, cursor ?? '0', limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({ id: r.id, connectionId: r.connection_id, entity: r.entity, externalId: r.external_id, updatedAt: r.updated_at, ...(r.unified as object) })),
      cursor: page.at(-1)?.id ?? cursor,
      more: rows.length > limit,
    };
  }
}
