import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { PlatformEvent } from '../../core/events';
import type { TriggerType } from '../definition';
import { Batcher } from '../engine/batcher';
import { ExecutionIntake, type NewExecution } from '../engine/execution-intake';
import { PlanCache } from '../engine/plan-cache';
import { TemplateEngine } from '../engine/template-engine';
import { filterAccepts } from './trigger-filter';

/** An event that may start workflows listening for its type. */
export interface TriggerEvent {
  tenantId: string;
  triggerType: Extract<TriggerType, 'webhook' | 'event'>;
  /** the event type the workflows listen for */
  key: string;
  /** the connection the event came through, for triggers bound to one */
  connectionId: string | null;
  /** what templates see as `trigger` */
  payload: unknown;
  idempotencyKey: string | null;
  /** a workflow that must not start on this event (its own failure) */
  exceptWorkflowId?: string;
}

interface Candidate {
  id: string;
  tenant_id: string;
  version: number;
  trigger_key: string;
  trigger_connection_id: string | null;
}

/**
 * Turns webhook and platform events into executions. Events arriving together are matched against
 * the active workflows in one query, filtered (a trigger's `filter` expression), and created in one
 * INSERT by the intake.
 */
@Injectable()
export class TriggerRouter {
  private readonly log = new Logger(TriggerRouter.name);
  private readonly batcher = new Batcher<TriggerEvent, number>((events) => this.route(events), { maxBatch: 500, maxInFlight: 2 });

  constructor(
    private readonly dataSource: DataSource,
    private readonly plans: PlanCache,
    private readonly templates: TemplateEngine,
    private readonly intake: ExecutionIntake,
  ) {}

  /** Resolves to how many executions the event started. */
  submit(e: TriggerEvent): Promise<number> {
    return this.batcher.push(e);
  }

  /** `webhook.received`: {plugin, connectionId, eventId, type: '<plugin>.<event>', entity?, externalIds?, data} */
  fromWebhook(e: PlatformEvent): Promise<number> {
    const d = e.data as { connectionId?: string; eventId?: string; type?: string };
    if (!d.type) return Promise.resolve(0);
    return this.submit({
      tenantId: e.tenantId, triggerType: 'webhook', key: d.type, connectionId: d.connectionId ?? null, payload: e.data,
      idempotencyKey: d.eventId ? `webhook:${d.connectionId ?? ''}:${d.eventId}` : null,
    });
  }

  /** One of Plugboard's own events; its key is a digest of the event, which is emitted once in one process. */
  fromPlatformEvent(e: PlatformEvent): Promise<number> {
    const digest = createHash('sha256').update(`${e.type}|${e.occurredAt.toISOString()}|${JSON.stringify(e.data)}`).digest('base64url');
    const d = e.data as { connectionId?: string; workflowId?: string };
    return this.submit({
      tenantId: e.tenantId, triggerType: 'event', key: e.type, connectionId: d.connectionId ?? null,
      payload: { type: e.type, occurredAt: e.occurredAt.toISOString(), data: e.data }, idempotencyKey: `event:${digest}`,
      exceptWorkflowId: e.type === 'workflow.execution_failed' ? d.workflowId : undefined,
    });
  }

  private async route(events: TriggerEvent[]): Promise<number[]> {
    const candidates: Candidate[] = await this.dataSource.query(
      `SELECT w.id, w.tenant_id, w.version, w.trigger_key, w.trigger_connection_id FROM workflows w
         JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[], $3::text[]) AS k(trigger_type, tenant_id, trigger_key)) k
           ON w.trigger_type = k.trigger_type AND w.tenant_id = k.tenant_id AND w.trigger_key = k.trigger_key
        WHERE w.active`,
      [events.map((e) => e.triggerType), events.map((e) => e.tenantId), events.map((e) => e.key)],
    );
    const byKey = new Map<string, Candidate[]>();
    for (const c of candidates) {
      const k = `${c.tenant_id}|${c.trigger_key}`;
      byKey.set(k, [...(byKey.get(k) ?? []), c]);
    }
    const news: NewExecution[] = [];
    const counts = events.map(() => 0);
    for (const [i, e] of events.entries()) {
      for (const w of byKey.get(`${e.tenantId}|${e.key}`) ?? []) {
        if (w.id === e.exceptWorkflowId) continue;
        if (w.trigger_connection_id && w.trigger_connection_id !== e.connectionId) continue;
        const { plan } = await this.plans.get(w.tenant_id, w.id, w.version);
        const trigger = plan.definition.trigger;
        if ('filter' in trigger && trigger.filter && !filterAccepts(this.templates, this.log, trigger.filter, e.payload, w.id)) continue;
        news.push({
          tenantId: e.tenantId, workflowId: w.id, version: w.version, triggerType: e.triggerType, idempotencyKey: e.idempotencyKey,
          triggerData: e.payload, mode: 'live', timeoutMs: plan.definition.timeoutMs,
        });
        counts[i]++;
      }
    }
    if (news.length) await this.intake.submitMany(news);
    return counts;
  }
}
