import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { RequestContext } from '../../core/tenancy';
import type { GroupStatus } from './record-group.entity';

/** A key two records share, normalized: what the evidence shows. */
export interface MatchKey {
  key: 'email' | 'phone' | 'domain' | 'external_id';
  value: string;
}

/** Two records of different connections that share at least one key (one row of the SQL match). */
export interface CandidatePair {
  a: string;
  b: string;
  keys: MatchKey[];
  score: number;
}

export interface MemberEvidence {
  key: MatchKey['key'];
  value: string;
  /** the other members of the group that share this key */
  with: string[];
}

export interface RunCounts {
  model: string;
  /** active records of the model in the tenant */
  records: number;
  /** record pairs matching on at least one key (kept-apart ones included) */
  candidatePairs: number;
  /** pairs left out because a group holding both was kept apart */
  keptApartPairs: number;
  /** proposed groups after the run, and how they came about */
  proposed: number;
  created: number;
  unchanged: number;
  removed: number;
}

export interface GroupMemberView {
  recordId: string;
  connectionId: string | null;
  plugin: string | null;
  entity: string | null;
  externalId: string | null;
  unified: unknown;
  /** the record was deleted at the platform or purged since the group was formed */
  gone: boolean;
  evidence: MemberEvidence[];
  score: number;
}

export interface GroupView {
  id: string;
  model: string;
  status: GroupStatus;
  score: number;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  members: GroupMemberView[];
}

export interface FieldSource {
  value: unknown;
  recordId: string;
  connectionId: string;
  plugin: string;
  externalId: string;
}

export interface GoldenView extends GroupView {
  /** every unified field with a value in some member: the newest member's value, and where it came from */
  golden: Record<string, FieldSource>;
}

/** How much each kind of shared key says about two records being one. */
const WEIGHTS: Record<MatchKey['key'], number> = { external_id: 0.99, email: 0.9, domain: 0.8, phone: 0.6 };
/** A key value shared by more records than this says nothing (a shared inbox, a switchboard). */
const MAX_BUCKET = 50;
/** Mail providers: their domain does not identify a company. */
const FREE_MAIL = ['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'web.de', 'mail.com', 'yandex.com'];

/**
 * The set-based match. Each active record of the model yields its normalized keys; keys are
 * grouped (GROUP BY key, value) into buckets; a bucket spanning two or more connections and at
 * most MAX_BUCKET records yields the pairs of its members from different connections. No pair is
 * looked at that does not share a key, so the cost follows the matches, not n².
 *
 *   email:       lower-cased, surrounding whitespace removed (gmail dots are significant)
 *   phone:       digits only, the last 10 (so +1 555 010 0000 and (555) 010-0000 meet); 7 digits at least
 *   domain:      companies only: `domain`, else `website`, else the domain of `email`; scheme, www., path dropped
 *   external_id: every record is known as `<plugin>:<external id>`; a unified `externalIds`
 *                object ({ "<plugin>": "<id>" }) names the record's counterparts elsewhere
 */
const PAIRS_SQL = `
WITH recs AS (
  SELECT r.id, r.connection_id, r.plugin, r.external_id, r.unified
    FROM sync_records r
   WHERE r.tenant_id = $1 AND r.model = $2 AND r.deleted_at IS NULL AND jsonb_typeof(r.unified) = 'object'
), keys AS (
  SELECT DISTINCT id, connection_id, key, value FROM (
    SELECT id, connection_id, 'email' AS key, lower(regexp_replace(unified->>'email', '^\\s+|\\s+$', '', 'g')) AS value
      FROM recs WHERE unified->>'email' ~ '\\S@\\S'
    UNION ALL
    SELECT id, connection_id, 'phone', right(d, 10)
      FROM (SELECT id, connection_id, regexp_replace(coalesce(unified->>'phone', ''), '\\D', '', 'g') AS d FROM recs) p
     WHERE length(d) >= 7
    UNION ALL
    SELECT id, connection_id, 'domain', dom FROM (
      SELECT id, connection_id,
             lower(regexp_replace(regexp_replace(regexp_replace(
               btrim(coalesce(nullif(btrim(unified->>'domain'), ''), nullif(btrim(unified->>'website'), ''), split_part(unified->>'email', '@', 2))),
               '^[a-z][a-z0-9+.-]*://', '', 'i'), '^www\\.', '', 'i'), '[/:?#].*$', '')) AS dom
        FROM recs WHERE $3::boolean) d
     WHERE dom ~ '^[a-z0-9-]+(\\.[a-z0-9-]+)+$' AND dom <> ALL($5::text[])
    UNION ALL
    SELECT id, connection_id, 'external_id', plugin || ':' || external_id FROM recs
    UNION ALL
    SELECT id, connection_id, 'external_id', lower(x.key) || ':' || (x.value #>> '{}')
      FROM recs CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(unified->'externalIds') = 'object' THEN unified->'externalIds' ELSE '{}'::jsonb END) x
     WHERE jsonb_typeof(x.value) IN ('string', 'number') AND x.value #>> '{}' <> ''
  ) k
), buckets AS (
  SELECT key, value FROM keys GROUP BY key, value HAVING count(DISTINCT connection_id) >= 2 AND count(*) <= $4
), hits AS (
  SELECT k.* FROM keys k JOIN buckets USING (key, value)
)
SELECT a.id::text AS a, b.id::text AS b,
       jsonb_agg(jsonb_build_object('key', a.key, 'value', a.value) ORDER BY a.key, a.value) AS keys
  FROM hits a JOIN hits b ON b.key = a.key AND b.value = a.value AND a.id < b.id AND a.connection_id <> b.connection_id
 GROUP BY a.id, b.id`;

/** 1 - Π(1 - w): independent pieces of evidence add up without passing 1. */
export function pairScore(keys: MatchKey[]): number {
  return 1 - keys.reduce((p, k) => p * (1 - WEIGHTS[k.key]), 1);
}

/**
 * Clusters the pairs into groups: strongest pairs first, a union-find that refuses to join two
 * sets when a kept-apart pair would end up inside one. Records of merged groups start joined.
 * Linear in the number of pairs (plus the kept-apart checks, which touch the smaller set).
 */
export function cluster(pairs: CandidatePair[], keptApart: [string, string][], merged: string[][]): { members: string[]; pairs: CandidatePair[] }[] {
  const parent = new Map<string, string>();
  const sets = new Map<string, Set<string>>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    if (!parent.has(x)) {
      parent.set(x, x);
      sets.set(x, new Set([x]));
    }
    return r;
  };
  const apart = new Map<string, Set<string>>();
  for (const [a, b] of keptApart) {
    (apart.get(a) ?? apart.set(a, new Set()).get(a)!).add(b);
    (apart.get(b) ?? apart.set(b, new Set()).get(b)!).add(a);
  }
  const union = (a: string, b: string, checked: boolean): boolean => {
    let ra = find(a);
    let rb = find(b);
    if (ra === rb) return true;
    if (sets.get(ra)!.size < sets.get(rb)!.size) [ra, rb] = [rb, ra];
    const big = sets.get(ra)!;
    const small = sets.get(rb)!;
    if (checked) for (const m of small) for (const o of apart.get(m) ?? []) if (big.has(o)) return false;
    for (const m of small) big.add(m);
    parent.set(rb, ra);
    sets.delete(rb);
    return true;
  };
  for (const g of merged) for (const m of g.slice(1)) union(g[0], m, false);
  const used: CandidatePair[] = [];
  for (const p of [...pairs].sort((x, y) => y.score - x.score || cmpId(x.a, y.a) || cmpId(x.b, y.b))) {
    if (apart.get(p.a)?.has(p.b)) continue;
    if (union(p.a, p.b, true)) used.push(p);
  }
  const byRoot = new Map<string, CandidatePair[]>();
  for (const p of used) {
    const r = find(p.a);
    (byRoot.get(r) ?? byRoot.set(r, []).get(r)!).push(p);
  }
  return [...byRoot.entries()].map(([root, ps]) => ({ members: [...sets.get(root)!].sort(cmpId), pairs: ps }));
}

function cmpId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export class GroupNotFoundError extends NotFoundException {
  constructor() {
    super('no such record group');
  }
}

/**
 * Reconciliation of one tenant's records across connections. Every statement names the tenant of
 * the current context; a run holds a per-(tenant, model) advisory lock so two runs do not race.
 */
@Injectable()
export class ReconciliationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
  ) {}

  private get tenantId(): string {
    return this.context.tenantId;
  }

  /** Matches, clusters and stores the proposed groups of a model. Idempotent; decisions stand. */
  run(model: string): Promise<RunCounts> {
    const t = this.tenantId;
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('reconciliation:' || $1 || ':' || $2))`, [t, model]);
      const [{ n: records }] = await m.query(`SELECT count(*)::int AS n FROM sync_records WHERE tenant_id = $1 AND model = $2 AND deleted_at IS NULL`, [t, model]);
      const rows: { a: string; b: string; keys: MatchKey[] }[] = await m.query(PAIRS_SQL, [t, model, model === 'company', MAX_BUCKET, FREE_MAIL]);
      const pairs: CandidatePair[] = rows.map((r) => ({ ...r, score: pairScore(r.keys) }));
      const decided: { id: string; status: GroupStatus; member_key: string; members: string[] }[] = await m.query(
        `SELECT g.id, g.status, g.member_key, array_agg(gm.record_id::text ORDER BY gm.record_id) AS members
           FROM record_groups g JOIN record_group_members gm ON gm.group_id = g.id
          WHERE g.tenant_id = $1 AND g.model = $2 AND g.status IN ('merged', 'kept_apart') GROUP BY g.id`,
        [t, model],
      );
      const keptApart: [string, string][] = [];
      for (const g of decided.filter((d) => d.status === 'kept_apart')) {
        for (let i = 0; i < g.members.length; i++) for (let j = i + 1; j < g.members.length; j++) keptApart.push([g.members[i], g.members[j]]);
      }
      const apartSet = new Set(keptApart.map(([a, b]) => `${a}|${b}`));
      const keptApartPairs = pairs.filter((p) => apartSet.has(`${p.a}|${p.b}`) || apartSet.has(`${p.b}|${p.a}`)).length;
      const decidedKeys = new Set(decided.map((d) => d.member_key));
      const groups = cluster(pairs, keptApart, decided.filter((d) => d.status === 'merged').map((d) => d.members))
        .map((g) => ({ ...g, key: g.members.join(',') }))
        .filter((g) => !decidedKeys.has(g.key));

      const input = groups.map((g) => ({ member_key: g.key, score: Math.min(...g.pairs.map((p) => p.score)), members: membersOf(g) }));
      const written: { id: string; created: boolean }[] = input.length
        ? await m.query(
            `INSERT INTO record_groups AS g (tenant_id, model, member_key, score)
             SELECT $1, $2, member_key, score FROM jsonb_to_recordset($3::jsonb) AS x(member_key text, score real)
             ON CONFLICT (tenant_id, model, member_key) DO UPDATE SET score = EXCLUDED.score, updated_at = now()
               WHERE g.status = 'proposed'
             RETURNING g.id, (xmax = 0) AS created`,
            [t, model, JSON.stringify(input.map(({ member_key, score }) => ({ member_key, score })))],
          )
        : [];
      // pg answers a DELETE with [rows, affected]
      const [, removed] = await m.query(
        `DELETE FROM record_groups WHERE tenant_id = $1 AND model = $2 AND status = 'proposed' AND member_key <> ALL($3::text[])`,
        [t, model, input.map((g) => g.member_key)],
      );
      await this.writeMembers(m, input, t, model);
      const created = written.filter((w) => w.created).length;
      return { model, records, candidatePairs: pairs.length, keptApartPairs, proposed: input.length, created, unchanged: input.length - created, removed: Number(removed ?? 0) };
    });
  }

  private async writeMembers(m: EntityManager, input: { member_key: string; members: { record_id: string; evidence: MemberEvidence[]; score: number }[] }[], t: string, model: string): Promise<void> {
    if (!input.length) return;
    const rows = input.flatMap((g) => g.members.map((mm) => ({ member_key: g.member_key, ...mm })));
    await m.query(
      `WITH x AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(member_key text, record_id bigint, evidence jsonb, score real)),
            g AS (SELECT id, member_key FROM record_groups WHERE tenant_id = $1 AND model = $2 AND status = 'proposed' AND member_key IN (SELECT member_key FROM x))
       INSERT INTO record_group_members (group_id, tenant_id, record_id, evidence, score)
       SELECT g.id, $1, x.record_id, x.evidence, x.score FROM x JOIN g USING (member_key)
       ON CONFLICT (group_id, record_id) DO UPDATE SET evidence = EXCLUDED.evidence, score = EXCLUDED.score`,
      [t, model, JSON.stringify(rows)],
    );
  }

  async list(filter: { model?: string; status?: GroupStatus; cursor?: string; limit: number }): Promise<{ data: GroupView[]; nextCursor: string | null }> {
    const params: unknown[] = [this.tenantId];
    const where = ['g.tenant_id = $1'];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.model) add('g.model = ?', filter.model);
    if (filter.status) add('g.status = ?', filter.status);
    if (filter.cursor) add('g.id > ?::uuid', filter.cursor);
    params.push(filter.limit + 1);
    const rows = await this.dataSource.query(`${GROUP_SELECT} WHERE ${where.join(' AND ')} GROUP BY g.id ORDER BY g.id LIMIT $${params.length}`, params);
    const data = (rows as RawGroup[]).slice(0, filter.limit).map(toView);
    return { data, nextCursor: rows.length > filter.limit ? data.at(-1)!.id : null };
  }

  /** One group with its golden record: per unified field, the newest member's non-empty value and its source. */
  async get(id: string): Promise<GoldenView> {
    const t = this.tenantId;
    const [row] = (await this.dataSource.query(`${GROUP_SELECT} WHERE g.tenant_id = $1 AND g.id = $2 GROUP BY g.id`, [t, id])) as RawGroup[];
    if (!row) throw new GroupNotFoundError();
    const fields: { field: string; value: unknown; record_id: string; connection_id: string; plugin: string; external_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (f.key) f.key AS field, f.value, r.id::text AS record_id, r.connection_id, r.plugin, r.external_id
         FROM record_group_members gm
         JOIN sync_records r ON r.id = gm.record_id AND r.tenant_id = gm.tenant_id AND r.deleted_at IS NULL
         CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.unified) = 'object' THEN r.unified ELSE '{}'::jsonb END) f
        WHERE gm.tenant_id = $1 AND gm.group_id = $2 AND jsonb_typeof(f.value) <> 'null' AND f.value <> '""'::jsonb
        ORDER BY f.key, r.remote_updated_at DESC NULLS LAST, r.updated_at DESC, r.id`,
      [t, id],
    );
    const golden = Object.fromEntries(fields.map((f) => [f.field, { value: f.value, recordId: f.record_id, connectionId: f.connection_id, plugin: f.plugin, externalId: f.external_id }]));
    return { ...toView(row), golden };
  }

  /** Accepts a proposed group as one entity. A merged group absorbs merged groups it overlaps. */
  async merge(id: string): Promise<GoldenView> {
    await this.decide(id, 'merged', ['proposed']);
    return this.get(id);
  }

  /** Records the group's members as distinct: no pair of them is proposed again. */
  async keepApart(id: string): Promise<GoldenView> {
    await this.decide(id, 'kept_apart', ['proposed', 'merged']);
    return this.get(id);
  }

  private decide(id: string, to: GroupStatus, from: GroupStatus[]): Promise<void> {
    const t = this.tenantId;
    const actor = this.context.principal?.actorId ?? null;
    return this.dataSource.transaction(async (m) => {
      const [g]: { status: GroupStatus; model: string }[] = await m.query(`SELECT status, model FROM record_groups WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [t, id]);
      if (!g) throw new GroupNotFoundError();
      if (g.status === to) return;
      if (!from.includes(g.status)) throw new ConflictException(`a ${g.status} group cannot be ${to === 'merged' ? 'merged' : 'kept apart'}`);
      await m.query(`UPDATE record_groups SET status = $3, decided_by = $4, decided_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2`, [t, id, to, actor]);
      if (to === 'merged') {
        await m.query(
          `DELETE FROM record_groups o WHERE o.tenant_id = $1 AND o.model = $3 AND o.status = 'merged' AND o.id <> $2
              AND EXISTS (SELECT 1 FROM record_group_members a JOIN record_group_members b ON b.record_id = a.record_id
                           WHERE a.group_id = o.id AND b.group_id = $2 AND a.tenant_id = $1 AND b.tenant_id = $1)`,
          [t, id, g.model],
        );
      }
    });
  }
}

function membersOf(g: { members: string[]; pairs: CandidatePair[] }): { record_id: string; evidence: MemberEvidence[]; score: number }[] {
  return g.members.map((id) => {
    const ev = new Map<string, MemberEvidence>();
    let score = 0;
    for (const p of g.pairs) {
      if (p.a !== id && p.b !== id) continue;
      const other = p.a === id ? p.b : p.a;
      score = Math.max(score, p.score);
      for (const k of p.keys) {
        const e = ev.get(`${k.key}\u0000${k.value}`) ?? { key: k.key, value: k.value, with: [] };
        if (!e.with.includes(other)) e.with.push(other);
        ev.set(`${k.key}\u0000${k.value}`, e);
      }
    }
    return { record_id: id, evidence: [...ev.values()], score };
  });
}

const GROUP_SELECT = `
  SELECT g.id, g.model, g.status, g.score, g.decided_by, g.decided_at, g.created_at, g.updated_at,
         jsonb_agg(jsonb_build_object(
           'recordId', gm.record_id::text, 'connectionId', r.connection_id, 'plugin', r.plugin, 'entity', r.entity,
           'externalId', r.external_id, 'unified', r.unified, 'gone', r.id IS NULL OR r.deleted_at IS NOT NULL,
           'evidence', gm.evidence, 'score', gm.score) ORDER BY gm.record_id) AS members
    FROM record_groups g
    JOIN record_group_members gm ON gm.group_id = g.id AND gm.tenant_id = g.tenant_id
    LEFT JOIN sync_records r ON r.id = gm.record_id AND r.tenant_id = g.tenant_id`;

interface RawGroup {
  id: string;
  model: string;
  status: GroupStatus;
  score: number;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
  updated_at: Date;
  members: GroupMemberView[];
}

function toView(r: RawGroup): GroupView {
  return {
    id: r.id, model: r.model, status: r.status, score: Number(r.score), decidedBy: r.decided_by, decidedAt: r.decided_at,
    createdAt: r.created_at, updatedAt: r.updated_at,
    members: r.members.map((mm) => ({ ...mm, unified: mm.unified ?? null, connectionId: mm.connectionId ?? null, plugin: mm.plugin ?? null, entity: mm.entity ?? null, externalId: mm.externalId ?? null })),
  };
}
