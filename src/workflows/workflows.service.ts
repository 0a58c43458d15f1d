import { ConflictException, Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Entitlements } from '../billing';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { ValidationFailedException, type FieldError } from '../core/http';
import { PluginRegistry } from '../core/plugin-host';
import { RequestContext, TenantDb } from '../core/tenancy';
import { compilePlan, DefinitionSecrets, type TriggerDefinition, type WorkflowDefinition, type WorkflowPlan } from './definition';
import { TemplateEngine } from './engine/template-engine';
import { DataChangeTrigger } from './triggers/data-change.trigger';
import { nextFiring, ScheduleTrigger } from './triggers/schedule.trigger';
import { Workflow, WorkflowVersion } from './workflow.entities';

export interface WorkflowView extends WorkflowDefinition {
  id: string;
  version: number;
  active: boolean;
  /** why billing paused it, if it did */
  pausedReason: string | null;
  activatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** schedule triggers: when it fires next */
  nextRunAt?: string;
  /** webhook triggers without an event: the signed URL, shown only when it is made */
  inboundUrl?: string;
}

const EDITABLE = ['name', 'description', 'trigger', 'steps', 'timeoutMs'] as const;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Workflows: definitions validated and versioned (an edit writes a new version; executions keep
 * theirs), activation (plan limit, trigger registration) and the generic inbound URL's token.
 */
@Injectable()
export class WorkflowsService {
  constructor(
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly templates: TemplateEngine,
    private readonly plugins: PluginRegistry,
    private readonly schedules: ScheduleTrigger,
    private readonly changes: DataChangeTrigger,
    private readonly secrets: DefinitionSecrets,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
    // billing is global in every process root; a process composed without it does not limit activation
    @Optional() private readonly entitlements?: Entitlements,
  ) {}

  async create(body: unknown): Promise<WorkflowView> {
    const d = await this.secrets.seal(this.validate(body).definition, null);
    const inbound = isInbound(d.trigger) ? randomBytes(24).toString('base64url') : null;
    const id = await this.db.transaction(async (repo) => {
      const w = await repo(Workflow).insert({
        name: d.name, version: 1, active: false, pausedReason: null, ...triggerColumns(d.trigger), inboundTokenHash: inbound ? tokenHash(inbound) : null,
        changeCursor: '0', scheduleKey: null, activatedAt: null, updatedAt: new Date(),
      });
      await repo(WorkflowVersion).insert({ workflowId: w.id, version: 1, definition: d as never, createdBy: this.context.principal?.actorId ?? null });
      return w.id;
    });
    return { ...(await this.get(id)), ...(inbound ? { inboundUrl: this.inboundUrl(inbound) } : {}) };
  }

  async list(): Promise<WorkflowView[]> {
    const rows = await this.db.repo(Workflow).find({}, { order: { createdAt: 'ASC' } });
    return Promise.all(rows.map(async (w) => this.view(w, await this.definition(w.id, w.version))));
  }

  async get(id: string): Promise<WorkflowView> {
    const w = await this.find(id);
    return this.view(w, await this.definition(w.id, w.version));
  }

  async versions(id: string): Promise<{ version: number; name: string; createdAt: Date; createdBy: string | null }[]> {
    await this.find(id);
    const rows = await this.db.repo(WorkflowVersion).find({ workflowId: id }, { order: { version: 'DESC' } });
    return rows.map((v) => ({ version: v.version, name: v.definition.name, createdAt: v.createdAt, createdBy: v.createdBy }));
  }

  /** Writes a new version from the current one with these top-level fields replaced; executions in flight keep theirs. */
  async update(id: string, patch: unknown): Promise<WorkflowView> {
    const w = await this.find(id);
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new ValidationFailedException([{ field: '', message: 'the body must be an object with some of: ' + EDITABLE.join(', ') }]);
    const unknown = Object.keys(patch).filter((k) => !(EDITABLE as readonly string[]).includes(k));
    if (unknown.length) throw new ValidationFailedException(unknown.map((k) => ({ field: k, message: `${k} cannot be edited (editable: ${EDITABLE.join(', ')})` })));
    const current = await this.definition(w.id, w.version);
    const d = await this.secrets.seal(this.validate({ ...this.secrets.shown(current), ...patch }).definition, current);
    const version = w.version + 1;
    const becameInbound = isInbound(d.trigger) && !isInbound(current.trigger);
    const inbound = becameInbound ? randomBytes(24).toString('base64url') : null;
    if (w.active) await this.unregister(w);
    await this.db.transaction(async (repo) => {
      await repo(WorkflowVersion).insert({ workflowId: id, version, definition: d as never, createdBy: this.context.principal?.actorId ?? null });
      await repo(Workflow).update({ id }, {
        name: d.name, version, ...triggerColumns(d.trigger), updatedAt: new Date(),
        ...(inbound ? { inboundTokenHash: tokenHash(inbound) } : isInbound(d.trigger) ? {} : { inboundTokenHash: null }),
      });
    });
    const updated = await this.find(id);
    if (updated.active) await this.register(updated, d.trigger, false);
    return { ...(await this.get(id)), ...(inbound ? { inboundUrl: this.inboundUrl(inbound) } : {}) };
  }

  async remove(id: string): Promise<void> {
    const w = await this.find(id);
    if (w.active) await this.unregister(w);
    const versions = await this.db.repo(WorkflowVersion).find({ workflowId: id });
    await this.db.repo(Workflow).delete({ id });
    await this.secrets.discard(versions.map((v) => v.definition));
  }

  async activate(id: string): Promise<WorkflowView> {
    const w = await this.find(id);
    if (!w.active) {
      await this.entitlements?.assertCanAdd('active_workflows');
      const d = await this.definition(w.id, w.version);
      await this.db.repo(Workflow).update({ id }, { active: true, pausedReason: null, activatedAt: new Date(), updatedAt: new Date() });
      await this.register({ ...w, active: true }, d.trigger, true);
    }
    return this.get(id);
  }

  async deactivate(id: string, pausedReason: string | null = null): Promise<WorkflowView> {
    const w = await this.find(id);
    if (w.active) {
      await this.unregister(w);
      await this.db.repo(Workflow).update({ id }, { active: false, pausedReason, updatedAt: new Date() });
    }
    return this.get(id);
  }

  /** Billing's count of active workflows, for the plan limit. */
  countActive(): Promise<number> {
    return this.db.repo(Workflow).count({ active: true });
  }

  /** The plan now allows `keep` active workflows: the newest beyond that are paused (deactivated, marked as billing's). */
  async pauseBeyond(keep: number, reason: string): Promise<number> {
    const active = await this.db.repo(Workflow).find({ active: true }, { order: { activatedAt: 'ASC' } });
    for (const w of active.slice(keep)) await this.deactivate(w.id, reason);
    return Math.max(0, active.length - keep);
  }

  /** The plan allows more again: billing's paused workflows come back, oldest first, up to the limit. */
  async resumePaused(limit: number | null): Promise<number> {
    const paused = await this.db.repo(Workflow).find({ active: false }, { order: { activatedAt: 'ASC' } });
    let room = limit === null ? Number.POSITIVE_INFINITY : limit - (await this.countActive());
    let resumed = 0;
    for (const w of paused.filter((p) => p.pausedReason !== null)) {
      if (room-- <= 0) break;
      await this.db.repo(Workflow).update({ id: w.id }, { active: true, pausedReason: null, updatedAt: new Date() });
      await this.register({ ...w, active: true }, (await this.definition(w.id, w.version)).trigger, true);
      resumed++;
    }
    return resumed;
  }

  /** A new token for the generic inbound URL (the old one stops working); shown once. */
  async rotateInboundToken(id: string): Promise<{ inboundUrl: string }> {
    const w = await this.find(id);
    if (!isInbound((await this.definition(w.id, w.version)).trigger)) throw new ConflictException('this workflow does not start on a generic inbound webhook (its trigger is not a webhook without an event)');
    const token = randomBytes(24).toString('base64url');
    await this.db.repo(Workflow).update({ id }, { inboundTokenHash: tokenHash(token), updatedAt: new Date() });
    return { inboundUrl: this.inboundUrl(token) };
  }

  /** The workflow (404 unless it is the current tenant's), with its current version's plan. */
  async current(id: string): Promise<{ workflow: Workflow; definition: WorkflowDefinition }> {
    const workflow = await this.find(id);
    return { workflow, definition: await this.definition(id, workflow.version) };
  }

  private validate(body: unknown): WorkflowPlan {
    const result = compilePlan(body, this.templates);
    if (!result.ok) throw new ValidationFailedException(result.errors, `invalid workflow: ${result.errors.map((e) => e.message).join('; ')}`);
    const errors: FieldError[] = [];
    result.plan.definition.steps.forEach((s, i) => {
      if (s.type !== 'plugin_action') return;
      const [plugin, action] = s.action.split('.');
      const p = this.plugins.get(plugin);
      if (!p) errors.push({ field: `steps[${i}].action`, message: `step "${s.id}": action: plugin ${plugin} is not loaded` });
      else if (!Object.hasOwn(p.actions, action)) errors.push({ field: `steps[${i}].action`, message: `step "${s.id}": action: plugin ${plugin} has no action ${action} (it has ${Object.keys(p.actions).join(', ') || 'none'})` });
    });
    const t = result.plan.definition.trigger;
    if (t.type === 'webhook' && t.event && !this.plugins.get(t.event.split('.')[0])) errors.push({ field: 'trigger.event', message: `trigger: event: plugin ${t.event.split('.')[0]} is not loaded` });
    if (errors.length) throw new ValidationFailedException(errors, `invalid workflow: ${errors.map((e) => e.message).join('; ')}`);
    return result.plan;
  }

  /** Starts listening; `fromNow` (an activation, not an edit): a data_change trigger skips the changes made while it was not listening. */
  private async register(w: Workflow, trigger: TriggerDefinition, fromNow: boolean): Promise<void> {
    if (trigger.type === 'schedule') {
      const key = await this.schedules.register(this.context.tenantId, w.id, trigger.cron, trigger.timezone);
      await this.db.repo(Workflow).update({ id: w.id }, { scheduleKey: key });
    } else if (trigger.type === 'data_change') {
      if (fromNow || w.changeCursor === '0') await this.db.repo(Workflow).update({ id: w.id }, { changeCursor: await this.changes.head(this.context.tenantId) });
    }
  }

  private async unregister(w: Workflow): Promise<void> {
    if (w.scheduleKey) {
      await this.schedules.unregister(w.id, w.scheduleKey);
      await this.db.repo(Workflow).update({ id: w.id }, { scheduleKey: null });
    }
  }

  private async find(id: string): Promise<Workflow> {
    const w = await this.db.repo(Workflow).findOne({ id });
    if (!w) throw new NotFoundException(`no workflow ${id}`);
    return w;
  }

  private async definition(workflowId: string, version: number): Promise<WorkflowDefinition> {
    const v = await this.db.repo(WorkflowVersion).findOne({ workflowId, version });
    if (!v) throw new NotFoundException(`workflow ${workflowId} has no version ${version}`);
    return v.definition;
  }

  private view(w: Workflow, d: WorkflowDefinition): WorkflowView {
    return {
      id: w.id, ...this.secrets.shown(d), version: w.version, active: w.active, pausedReason: w.pausedReason, activatedAt: w.activatedAt, createdAt: w.createdAt, updatedAt: w.updatedAt,
      ...(d.trigger.type === 'schedule' && w.active ? { nextRunAt: nextFiring(d.trigger.cron, d.trigger.timezone).toISOString() } : {}),
    };
  }

  private inboundUrl(token: string): string {
    return `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/hooks/workflows/${token}`;
  }
}

function isInbound(t: TriggerDefinition): boolean {
  return t.type === 'webhook' && !t.event;
}

function triggerColumns(t: TriggerDefinition): Pick<Workflow, 'triggerType' | 'triggerKey' | 'triggerConnectionId'> {
  const key = t.type === 'webhook' ? (t.event ?? null) : t.type === 'event' ? t.event : t.type === 'data_change' ? t.model : null;
  const connection = (t.type === 'webhook' || t.type === 'data_change') && t.connectionId ? t.connectionId : null;
  return { triggerType: t.type, triggerKey: key, triggerConnectionId: connection };
}
