import { Injectable, Logger, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { ValidationFailedException } from '../../core/http';
import { ConnectionAccess } from '../connections';
import { SyncFlowsStore, type ChangedRecord, type StoredSide } from './sync-flows.store';
import type { FlowSideName, FlowValues, SyncFlowRow, SyncLinkRow } from './sync-flow.types';

export interface ApplyResult {
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  conflicts: number;
  errors: string[];
  cursor: string;
}

const other = (s: FlowSideName): FlowSideName => (s === 'source' ? 'target' : 'source');
const eq = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The mapped fields of a record, keyed by the mapping's `from` name. */
export function project(flow: SyncFlowRow, side: FlowSideName, unified: Record<string, unknown>): FlowValues {
  return Object.fromEntries(flow.mapping.map((m) => [m.from, unified[side === 'source' ? m.from : m.to] ?? null]));
}

function singular(entity: string): string {
  return entity.endsWith('ies') ? `${entity.slice(0, -3)}y` : entity.endsWith('s') ? entity.slice(0, -1) : entity;
}

/**
 * Applies a flow: walks the change feed of its streams past the flow's cursor, and for each changed
 * record compares both sides with the last applied state in the link (a 3-way comparison). Changes
 * on one side only are written to the other through the plugin's actions; the same field changed
 * on both sides is a conflict, settled by the flow's strategy or left open for a person. What a
 * write set is recorded in the link, so the next sync bringing it back compares equal: no echo.
 */
@Injectable()
export class SyncFlowApplier {
  private readonly log = new Logger(SyncFlowApplier.name);
  /** one pass per flow at a time in this process */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: SyncFlowsStore,
    private readonly access: ConnectionAccess,
  ) {}

  apply(flow: SyncFlowRow): Promise<ApplyResult> {
    return this.serial(flow.id, () => this.pass(flow.id));
  }

  /** Passes and resolutions of one flow run one after another in this process. */
  private serial<T>(flowId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(flowId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.chains.set(flowId, next);
    void next.finally(() => {
      if (this.chains.get(flowId) === next) this.chains.delete(flowId);
    }).catch(() => undefined);
    return next;
  }

  private async pass(flowId: string): Promise<ApplyResult> {
    const flow = await this.store.getFlow(flowId);
    if (!flow) throw new NotFoundException(`no sync flow ${flowId}`);
    const upTo = await this.store.maxChangeId(flow);
    const result: ApplyResult = { processed: 0, created: 0, updated: 0, skipped: 0, conflicts: 0, errors: [], cursor: flow.cursor };
    if (BigInt(upTo) <= BigInt(flow.cursor)) return result;
    const changed = await this.store.changedSince(flow, flow.cursor, upTo, flow.direction === 'two_way');
    const doneLinks = new Set<string>();
    for (const rec of changed) {
      result.processed++;
      try {
        await this.applyOne(flow, rec, doneLinks, result);
      } catch (e) {
        const msg = `${rec.side} ${rec.externalId}: ${(e as Error).message}`;
        this.log.warn(`sync flow ${flow.id}: ${msg}`);
        result.errors.push(msg);
      }
    }
    await this.store.setCursor(flow.id, upTo, result.errors.length ? result.errors.slice(0, 5).join('; ') : null);
    result.cursor = upTo;
    return result;
  }

  private async applyOne(flow: SyncFlowRow, rec: ChangedRecord, doneLinks: Set<string>, result: ApplyResult): Promise<void> {
    // deletions are not propagated (yet): the link stays, the other side keeps its record
    if (rec.deleted) return void result.skipped++;
    const link = await this.store.link(flow.id, rec.side, rec.externalId);
    if (!link) return this.create(flow, rec, result);
    if (doneLinks.has(link.id)) return;
    doneLinks.add(link.id);
    const [src, tgt] = await Promise.all([this.store.storedRecord(flow.source, link.sourceExternalId), this.store.storedRecord(flow.target, link.targetExternalId)]);
    await this.reconcile(flow, link, current(flow, 'source', src, link), current(flow, 'target', tgt, link), result);
  }

  /** A record with no partner yet: create it on the other side (a target-side record only in two-way flows). */
  private async create(flow: SyncFlowRow, rec: ChangedRecord, result: ApplyResult): Promise<void> {
    const from = rec.side;
    if (from === 'target' && flow.direction !== 'two_way') return void result.skipped++;
    const to = other(from);
    const values = project(flow, from, rec.unified);
    const externalId = await this.write(flow, to, 'create', null, values);
    await this.store.transaction(async (m) => {
      await this.store.insertLink(
        { flowId: flow.id, sourceExternalId: from === 'source' ? rec.externalId : externalId, targetExternalId: from === 'source' ? externalId : rec.externalId, sourceValues: values, targetValues: values },
        to,
        m,
      );
      await this.store.history(
        {
          flowId: flow.id, direction: from === 'source' ? 'source_to_target' : 'target_to_source', op: 'created',
          sourceExternalId: from === 'source' ? rec.externalId : externalId, targetExternalId: from === 'source' ? externalId : rec.externalId,
          fields: Object.keys(values).filter((k) => values[k] !== null), before: {}, after: values, reason: 'new_record',
        },
        m,
      );
    });
    result.created++;
  }

  private async reconcile(flow: SyncFlowRow, link: SyncLinkRow, srcRec: SideState, tgtRec: SideState, result: ApplyResult): Promise<void> {
    const keys = flow.mapping.map((m) => m.from);
    const src = srcRec.values;
    const tgt = tgtRec.values;
    const dS = keys.filter((k) => !eq(src[k], link.sourceValues[k]));
    const dT = keys.filter((k) => !eq(tgt[k], link.targetValues[k]));
    // both sides as we last left them (our own write coming back included): nothing to do
    if (!dS.length && !dT.length) return void result.skipped++;
    const twoWay = flow.direction === 'two_way';
    const both = dS.filter((k) => dT.includes(k) && !eq(src[k], tgt[k]));
    const newer = (): FlowSideName => (stamp(srcRec) >= stamp(tgtRec) ? 'source' : 'target');
    const winnerBy = (rule: string): FlowSideName => (rule === 'source_wins' ? 'source' : rule === 'target_wins' ? 'target' : newer());
    const toTarget: FlowValues = {};
    const toSource: FlowValues = {};
    const give = (winner: FlowSideName, k: string) => {
      if (winner === 'source') toTarget[k] = src[k];
      else if (twoWay) toSource[k] = tgt[k];
    };
    let reason = 'changed';
    if (!both.length || flow.conflict === 'manual' || flow.conflict === 'merge') {
      for (const k of dS) if (!both.includes(k)) give('source', k);
      for (const k of dT) if (!both.includes(k) && !dS.includes(k)) give('target', k);
      if (both.length && flow.conflict === 'merge') {
        reason = `merge:${flow.mergeRule ?? 'source_wins'}`;
        const w = winnerBy(flow.mergeRule ?? 'source_wins');
        for (const k of both) give(w, k);
      }
    } else {
      // record-level strategies: the winning side's state of every changed field
      const w = winnerBy(flow.conflict);
      reason = `conflict:${flow.conflict}:${w}`;
      for (const k of new Set([...dS, ...dT])) if (!eq(src[k], tgt[k])) give(w, k);
    }
    for (const k of Object.keys(toTarget)) if (eq(toTarget[k], tgt[k])) delete toTarget[k];
    for (const k of Object.keys(toSource)) if (eq(toSource[k], src[k])) delete toSource[k];
    // a side whose plugin has no update action (Stripe customers: create_customer only) is create-only
    for (const [side, values] of [['target', toTarget], ['source', toSource]] as const) {
      if (Object.keys(values).length && !(await this.canUpdate(flow, side))) {
        for (const k of Object.keys(values)) delete values[k];
        reason += `;${side}_create_only`;
      }
    }

    if (Object.keys(toTarget).length) {
      await this.write(flow, 'target', 'update', link.targetExternalId, toTarget);
      result.updated++;
    }
    if (Object.keys(toSource).length) {
      await this.write(flow, 'source', 'update', link.sourceExternalId, toSource);
      result.updated++;
    }
    const newSrc = { ...src, ...toSource };
    const newTgt = { ...tgt, ...toTarget };
    await this.store.transaction(async (m) => {
      await this.store.updateLink(link.id, newSrc, newTgt, { source: Object.keys(toSource).length > 0, target: Object.keys(toTarget).length > 0 }, m);
      const entry = { flowId: flow.id, op: 'updated' as const, sourceExternalId: link.sourceExternalId, targetExternalId: link.targetExternalId, reason };
      if (Object.keys(toTarget).length) {
        await this.store.history({ ...entry, direction: 'source_to_target', fields: Object.keys(toTarget), before: pick(tgt, toTarget), after: toTarget }, m);
      }
      if (Object.keys(toSource).length) {
        await this.store.history({ ...entry, direction: 'target_to_source', fields: Object.keys(toSource), before: pick(src, toSource), after: toSource }, m);
      }
    });
    if (both.length && flow.conflict === 'manual') {
      await this.store.openConflict({ flowId: flow.id, linkId: link.id, fields: both, sourceValues: pick(src, both), targetValues: pick(tgt, both) });
      result.conflicts++;
    }
  }

  /** Settles an open conflict: the chosen values are written where they differ, and become both sides' applied state. */
  async resolve(conflictId: string, choice: { choose?: 'source' | 'target' | 'custom'; values?: FlowValues }): Promise<{ id: string; status: string; applied: FlowValues }> {
    const found = await this.store.conflict(conflictId);
    if (!found) throw new NotFoundException(`no conflict ${conflictId}`);
    return this.serial(found.flowId, () => this.resolveNow(conflictId, choice));
  }

  private async resolveNow(conflictId: string, choice: { choose?: 'source' | 'target' | 'custom'; values?: FlowValues }): Promise<{ id: string; status: string; applied: FlowValues }> {
    const c = await this.store.conflict(conflictId);
    if (!c) throw new NotFoundException(`no conflict ${conflictId}`);
    if (!choice.choose) throw new ValidationFailedException([{ field: 'choose', message: 'choose must be one of source, target, custom' }]);
    if (choice.choose === 'custom') {
      const missing = c.fields.filter((k) => !(k in (choice.values ?? {})));
      if (missing.length) throw new ValidationFailedException(missing.map((k) => ({ field: `values.${k}`, message: `custom resolution needs a value for ${k}` })));
    }
    if (c.status !== 'open') throw new UnprocessableEntityException(`conflict ${conflictId} is already resolved`);
    const flow = await this.store.getFlow(c.flowId);
    const link = await this.store.linkById(c.linkId);
    if (!flow || !link) throw new NotFoundException(`no conflict ${conflictId}`);
    const chosen: FlowValues =
      choice.choose === 'source' ? pick(c.sourceValues, c.fields) : choice.choose === 'target' ? pick(c.targetValues, c.fields) : pick(choice.values ?? {}, c.fields);
    const toTarget = Object.fromEntries(Object.entries(chosen).filter(([k, v]) => !eq(v, link.targetValues[k])));
    // a one-way flow never writes to its source: choosing the target keeps each side as it is
    const toSource = flow.direction === 'two_way' ? Object.fromEntries(Object.entries(chosen).filter(([k, v]) => !eq(v, link.sourceValues[k]))) : {};
    if (Object.keys(toTarget).length) await this.write(flow, 'target', 'update', link.targetExternalId, toTarget);
    if (Object.keys(toSource).length) await this.write(flow, 'source', 'update', link.sourceExternalId, toSource);
    await this.store.transaction(async (m) => {
      const fresh = (await this.store.linkById(link.id, m))!;
      await this.store.updateLink(link.id, { ...fresh.sourceValues, ...toSource }, { ...fresh.targetValues, ...toTarget }, { source: Object.keys(toSource).length > 0, target: Object.keys(toTarget).length > 0 }, m);
      const entry = { flowId: flow.id, op: 'updated' as const, sourceExternalId: link.sourceExternalId, targetExternalId: link.targetExternalId, reason: `resolved:${choice.choose}` };
      if (Object.keys(toTarget).length) await this.store.history({ ...entry, direction: 'source_to_target', fields: Object.keys(toTarget), before: pick(fresh.targetValues, toTarget), after: toTarget }, m);
      if (Object.keys(toSource).length) await this.store.history({ ...entry, direction: 'target_to_source', fields: Object.keys(toSource), before: pick(fresh.sourceValues, toSource), after: toSource }, m);
      await this.store.resolveConflict(c.id, { choose: choice.choose, values: chosen }, m);
    });
    return { id: c.id, status: 'resolved', applied: chosen };
  }

  private async canUpdate(flow: SyncFlowRow, side: FlowSideName): Promise<boolean> {
    const def = flow[side];
    if (def.write?.update) return true; // named explicitly: a missing action is an error, not a skip
    const { plugin } = await this.access.open(def.connectionId);
    return Boolean(plugin.actions?.[`update_${singular(def.entity)}`]);
  }

  /**
   * Writes mapped values to one side through its plugin's action; returns the record's external id.
   * Values keyed by `from` become that side's unified fields, then the action's input fields.
   */
  private async write(flow: SyncFlowRow, side: FlowSideName, op: 'create' | 'update', externalId: string | null, values: FlowValues): Promise<string> {
    const def = flow[side];
    const { plugin, context } = await this.access.open(def.connectionId);
    const name = def.write?.[op] ?? `${op}_${singular(def.entity)}`;
    const action = plugin.actions?.[name];
    if (!action) throw new Error(`plugin ${plugin.name} has no action ${name} to ${op} ${def.entity}`);
    const input: Record<string, unknown> = {};
    for (const m of flow.mapping) {
      if (!(m.from in values)) continue;
      const v = values[m.from];
      if (op === 'create' && (v === null || v === undefined)) continue;
      const unifiedField = side === 'source' ? m.from : m.to;
      input[def.write?.fields?.[unifiedField] ?? unifiedField] = v;
    }
    if (op === 'update') input[def.write?.idField ?? `${singular(def.entity)}Id`] = externalId;
    const out = (await action.run(context, action.input.parse(input))) as { id?: unknown };
    if (op === 'create' && (out?.id === undefined || out.id === null)) throw new Error(`action ${name} returned no id`);
    return op === 'create' ? String(out.id) : externalId!;
  }
}

interface SideState {
  values: FlowValues;
  /** when this state was last changed on the platform, as far as we know */
  at: number;
}

/**
 * One side's current state: its stored record, unless we wrote to it after that copy was stored
 * (or it is not stored at all, as a one-way target that is never synced): then what we wrote.
 */
function current(flow: SyncFlowRow, side: FlowSideName, rec: StoredSide | null, link: SyncLinkRow): SideState {
  const written = side === 'source' ? link.sourceWrittenAt : link.targetWrittenAt;
  const base = side === 'source' ? link.sourceValues : link.targetValues;
  if (!rec || (written && rec.updatedAt.getTime() <= written.getTime())) return { values: { ...base }, at: written?.getTime() ?? 0 };
  return { values: project(flow, side, rec.unified), at: (rec.remoteUpdatedAt ?? rec.updatedAt).getTime() };
}

function stamp(r: SideState): number {
  return r.at;
}

function pick(v: FlowValues, keys: string[] | FlowValues): FlowValues {
  const ks = Array.isArray(keys) ? keys : Object.keys(keys);
  return Object.fromEntries(ks.map((k) => [k, v[k] ?? null]));
}
