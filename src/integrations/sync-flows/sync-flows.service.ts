import { Injectable, NotFoundException } from '@nestjs/common';
import { ValidationFailedException, type FieldError } from '../../core/http';
import { ConnectionAccess } from '../connections';
import type { CreateSyncFlowDto } from './sync-flows.dto';
import { SyncFlowsStore } from './sync-flows.store';
import type { FlowSide, FlowWrite, SyncFlowRow } from './sync-flow.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Flow definitions: validated (400 naming the field), with both connections the tenant's (else 404). */
@Injectable()
export class SyncFlowsService {
  constructor(
    private readonly store: SyncFlowsStore,
    private readonly access: ConnectionAccess,
  ) {}

  async create(dto: CreateSyncFlowDto): Promise<SyncFlowRow> {
    const errors: FieldError[] = [];
    const source = side('source', dto.source, errors);
    const target = side('target', dto.target, errors);
    const mapping = Array.isArray(dto.mapping) ? dto.mapping : [];
    if (!mapping.length) errors.push({ field: 'mapping', message: 'mapping must pair at least one field' });
    const froms = new Set<string>();
    const tos = new Set<string>();
    mapping.forEach((m, i) => {
      if (typeof m !== 'object' || m === null) return void errors.push({ field: `mapping.${i}`, message: 'each mapping entry is {from, to}' });
      const extra = Object.keys(m).filter((k) => k !== 'from' && k !== 'to');
      if (extra.length) errors.push({ field: `mapping.${i}`, message: `unknown keys ${extra.join(', ')}` });
      for (const k of ['from', 'to'] as const) {
        if (typeof m[k] !== 'string' || !NAME.test(m[k])) errors.push({ field: `mapping.${i}.${k}`, message: `mapping.${i}.${k} must be a unified field name` });
      }
      if (froms.has(m.from)) errors.push({ field: `mapping.${i}.from`, message: `${m.from} is mapped twice` });
      if (tos.has(m.to)) errors.push({ field: `mapping.${i}.to`, message: `${m.to} is mapped twice` });
      froms.add(m.from);
      tos.add(m.to);
    });
    if (dto.mergeRule && dto.conflict !== 'merge') errors.push({ field: 'mergeRule', message: 'mergeRule applies only to conflict: merge' });
    if (source && target && source.connectionId === target.connectionId && source.entity === target.entity) {
      errors.push({ field: 'target', message: 'source and target are the same stream' });
    }
    if (errors.length) throw new ValidationFailedException(errors);
    // both connections must be this tenant's: open() answers 404 otherwise
    const [s, t] = [await this.access.open(source!.connectionId), await this.access.open(target!.connectionId)];
    if (!s.plugin.entities[source!.entity]) errors.push({ field: 'source.entity', message: `plugin ${s.plugin.name} has no entity ${source!.entity}` });
    if (!t.plugin.entities[target!.entity]) errors.push({ field: 'target.entity', message: `plugin ${t.plugin.name} has no entity ${target!.entity}` });
    for (const [name, def, p] of [['source', source!, s.plugin], ['target', target!, t.plugin]] as const) {
      for (const op of ['create', 'update'] as const) {
        const action = def.write?.[op];
        if (action && !p.actions?.[action]) errors.push({ field: `${name}.write.${op}`, message: `plugin ${p.name} has no action ${action}` });
      }
    }
    if (errors.length) throw new ValidationFailedException(errors);
    return this.store.createFlow({
      name: dto.name, source: source!, target: target!, mapping: mapping.map((m) => ({ from: m.from, to: m.to })), direction: dto.direction,
      conflict: dto.conflict, mergeRule: dto.conflict === 'merge' ? (dto.mergeRule ?? 'source_wins') : null, autoApply: dto.autoApply ?? true,
    });
  }

  async get(id: string): Promise<SyncFlowRow> {
    const f = await this.store.getFlow(id);
    if (!f) throw new NotFoundException(`no sync flow ${id}`);
    return f;
  }

  list(): Promise<SyncFlowRow[]> {
    return this.store.listFlows();
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.deleteFlow(id))) throw new NotFoundException(`no sync flow ${id}`);
  }
}

function side(name: 'source' | 'target', v: unknown, errors: FieldError[]): FlowSide | null {
  const before = errors.length;
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['connectionId', 'entity', 'write'].includes(k));
  if (extra.length) errors.push({ field: name, message: `${name} has unknown keys ${extra.join(', ')}` });
  if (typeof o.connectionId !== 'string' || !UUID.test(o.connectionId)) errors.push({ field: `${name}.connectionId`, message: `${name}.connectionId must be a UUID` });
  if (typeof o.entity !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(o.entity)) errors.push({ field: `${name}.entity`, message: `${name}.entity must be a snake_case entity name` });
  let write: FlowWrite | undefined;
  if (o.write !== undefined) {
    const w = (typeof o.write === 'object' && o.write !== null ? o.write : null) as Record<string, unknown> | null;
    if (!w) errors.push({ field: `${name}.write`, message: `${name}.write must be an object` });
    else {
      for (const k of Object.keys(w)) {
        if (!['create', 'update', 'idField', 'fields'].includes(k)) errors.push({ field: `${name}.write.${k}`, message: `unknown key ${k}` });
        else if (k === 'fields') {
          const f = w.fields;
          if (typeof f !== 'object' || f === null || Object.values(f).some((x) => typeof x !== 'string' || !NAME.test(x))) {
            errors.push({ field: `${name}.write.fields`, message: `${name}.write.fields maps unified fields to action input fields` });
          }
        } else if (typeof w[k] !== 'string' || !NAME.test(w[k] as string)) errors.push({ field: `${name}.write.${k}`, message: `${name}.write.${k} must be a name` });
      }
      write = w as FlowWrite;
    }
  }
  if (errors.length > before) return null;
  return { connectionId: o.connectionId as string, entity: o.entity as string, ...(write ? { write } : {}) };
}
