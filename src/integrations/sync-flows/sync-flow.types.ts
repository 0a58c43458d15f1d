export const FLOW_DIRECTIONS = ['one_way', 'two_way'] as const;
export const CONFLICT_STRATEGIES = ['source_wins', 'target_wins', 'newest_wins', 'manual', 'merge'] as const;
export const MERGE_RULES = ['source_wins', 'target_wins', 'newest_wins'] as const;

export type FlowDirection = (typeof FLOW_DIRECTIONS)[number];
export type ConflictStrategy = (typeof CONFLICT_STRATEGIES)[number];
export type MergeRule = (typeof MERGE_RULES)[number];
export type FlowSideName = 'source' | 'target';

/** How the flow writes to one side: plugin actions named by convention (`create_contact`, `update_contact`) unless given. */
export interface FlowWrite {
  create?: string;
  update?: string;
  /** the update action's input field that takes the record's external id (default `<singular>Id`, e.g. `contactId`) */
  idField?: string;
  /** unified field -> action input field (default: the same name) */
  fields?: Record<string, string>;
}

export interface FlowSide {
  connectionId: string;
  entity: string;
  write?: FlowWrite;
}

/** One mapped field: `from` a unified field of the source, `to` a unified field of the target. */
export interface FieldMap {
  from: string;
  to: string;
}

export interface SyncFlowRow {
  id: string;
  name: string;
  source: FlowSide;
  target: FlowSide;
  mapping: FieldMap[];
  direction: FlowDirection;
  conflict: ConflictStrategy;
  mergeRule: MergeRule | null;
  autoApply: boolean;
  /** the last sync_changes id this flow has applied */
  cursor: string;
  lastAppliedAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}

/** Values of the mapped fields, keyed by the mapping's `from` name whichever side they come from. */
export type FlowValues = Record<string, unknown>;

export interface SyncLinkRow {
  id: string;
  flowId: string;
  sourceExternalId: string;
  targetExternalId: string;
  sourceValues: FlowValues;
  targetValues: FlowValues;
  sourceWrittenAt: Date | null;
  targetWrittenAt: Date | null;
}

export interface SyncConflictRow {
  id: string;
  flowId: string;
  linkId: string;
  sourceExternalId: string;
  targetExternalId: string;
  fields: string[];
  sourceValues: FlowValues;
  targetValues: FlowValues;
  status: 'open' | 'resolved';
  resolution: unknown;
  createdAt: Date;
  resolvedAt: Date | null;
}

export interface FlowHistoryEntry {
  flowId: string;
  direction: 'source_to_target' | 'target_to_source';
  op: 'created' | 'updated';
  sourceExternalId: string;
  targetExternalId: string;
  fields: string[];
  before: FlowValues;
  after: FlowValues;
  reason: string;
}
