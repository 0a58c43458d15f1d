import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExecutionIntake, type NewExecution } from '../engine/execution-intake';
import { PlanCache } from '../engine/plan-cache';
import { TemplateEngine } from '../engine/template-engine';
import { filterAccepts } from './trigger-filter';

const PAGE = 500;

/**
 * `data_change` triggers: after a sync of the tenant completes, each active such workflow reads the
 * sync engine's change feed past its own cursor (its model, optionally one connection), keeps the
 * changes its ops and filter accept, and starts one execution per change (keyed by the change id,
 * so a change starts a workflow once however often the feed is read), then moves its cursor.
 */
@Injectable()
export class DataChangeTrigger {
  private readonly log = new Logger(DataChangeTrigger.name);
  /** one pass per tenant at a time in this process; passes of other processes are made harmless by the keys */
  private readonly passes = new Map<string, Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly plans: PlanCache,
    private readonly templates: TemplateEngine,
    private readonly intake: ExecutionIntake,
  ) {}

  poll(tenantId: string): Promise<void> {
    const prev = this.passes.get(tenantId) ?? Promise.resolve();
    const next = prev.then(() => this.pass(tenantId)).catch((e: unknown) => this.log.error(`data_change pass of tenant ${tenantId} failed: ${(e as Error).message}`));
    this.passes.set(tenantId, next);
    void next.finally(() => this.passes.get(tenantId) === next && this.passes.delete(tenantId));
    return next;
  }

  /** The newest change id of the tenant: a workflow activated now starts with the changes after it. */
  async head(tenantId: string): Promise<string> {
    const [r] = await this.dataSource.query(`SELECT coalesce(max(id), 0)::text AS id FROM sync_changes WHERE tenant_id = $1`, [tenantId]);
    return r.id;
  }

  private async pass(tenantId: string): Promise<void> {
    const workflows: { id: string; version: number; change_cursor: string; trigger_connection_id: string | null; trigger_key: string }[] = await this.dataSource.query(
      `SELECT id, version, change_cursor::text, trigger_connection_id, trigger_key FROM workflows WHERE tenant_id = $1 AND active AND trigger_type = 'data_change'`,
      [tenantId],
    );
    for (const w of workflows) {
      const { plan } = await this.plans.get(tenantId, w.id, w.version);
      const trigger = plan.definition.trigger;
      if (trigger.type !== 'data_change') continue;
      let cursor = w.change_cursor;
      for (;;) {
        const rows: { id: string; op: string; at: Date; connection_id: string; entity: string; model: string; external_id: string; unified: unknown }[] = await this.dataSource.query(
          `SELECT c.id::text, c.op, c.at, c.connection_id, c.entity, c.model, c.external_id, r.unified
             FROM sync_changes c LEFT JOIN sync_records r ON r.tenant_id = c.tenant_id AND r.id = c.record_id
            WHERE c.tenant_id = $1 AND c.id > $2::bigint AND c.model = $3 AND ($4::uuid IS NULL OR c.connection_id = $4)
            ORDER BY c.id LIMIT $5`,
          [tenantId, cursor, w.trigger_key, w.trigger_connection_id, PAGE],
        );
        if (!rows.length) break;
        const news: NewExecution[] = [];
        for (const r of rows) {
          if (!trigger.ops.includes(r.op as 'added')) continue;
          const payload = {
            change: { id: r.id, op: r.op, at: r.at, connectionId: r.connection_id, entity: r.entity, model: r.model, externalId: r.external_id },
            record: r.unified ?? null,
          };
          if (trigger.filter && !filterAccepts(this.templates, this.log, trigger.filter, payload, w.id)) continue;
          news.push({ tenantId, workflowId: w.id, version: w.version, triggerType: 'data_change', idempotencyKey: `change:${r.id}`, triggerData: payload, mode: 'live', timeoutMs: plan.definition.timeoutMs });
        }
        if (news.length) await this.intake.submitMany(news);
        cursor = rows[rows.length - 1].id;
        await this.dataSource.query(`UPDATE workflows SET change_cursor = GREATEST(change_cursor, $3::bigint) WHERE tenant_id = $1 AND id = $2`, [tenantId, w.id, cursor]);
        if (rows.length < PAGE) break;
      }
    }
  }
}
