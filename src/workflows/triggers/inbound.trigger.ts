import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExecutionIntake } from '../engine/execution-intake';
import { PlanCache } from '../engine/plan-cache';
import { TemplateEngine } from '../engine/template-engine';
import { tokenHash } from '../workflows.service';
import { filterAccepts } from './trigger-filter';

export interface InboundResult {
  accepted: true;
  executionId: string | null;
  duplicate: boolean;
  filtered?: true;
}

/**
 * The generic inbound URL of a workflow whose trigger is a webhook without an event. The URL's
 * token is the signature: 192 random bits, of which only the sha256 is stored, so the URL names its
 * workflow (and tenant) and cannot be guessed; a rotated token stops working at once.
 */
@Injectable()
export class InboundTrigger {
  private readonly log = new Logger(InboundTrigger.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly plans: PlanCache,
    private readonly templates: TemplateEngine,
    private readonly intake: ExecutionIntake,
  ) {}

  /** Starts the token's workflow with `{ body }`; a repeated idempotency key (Idempotency-Key or webhook-id) starts nothing. */
  async receive(token: string, body: unknown, idempotencyKey: string | undefined): Promise<InboundResult> {
    // found by its token before any tenant is known, as the OAuth callback finds its state
    const [w] = token.length >= 16 && token.length <= 100
      ? await this.dataSource.query(`SELECT id, tenant_id, version FROM workflows WHERE inbound_token_hash = $1 AND active`, [tokenHash(token)])
      : [];
    if (!w) throw new NotFoundException('no active workflow listens at this URL');
    const { plan } = await this.plans.get(w.tenant_id, w.id, w.version);
    const payload = { body: body ?? null };
    const trigger = plan.definition.trigger;
    if ('filter' in trigger && trigger.filter && !filterAccepts(this.templates, this.log, trigger.filter, payload, w.id)) {
      return { accepted: true, executionId: null, duplicate: false, filtered: true };
    }
    const key = idempotencyKey?.slice(0, 255);
    const executionId = await this.intake.submit({
      tenantId: w.tenant_id, workflowId: w.id, version: w.version, triggerType: 'webhook', idempotencyKey: key ? `inbound:${key}` : null,
      triggerData: payload, mode: 'live', timeoutMs: plan.definition.timeoutMs,
    });
    return { accepted: true, executionId, duplicate: executionId === null };
  }
}
