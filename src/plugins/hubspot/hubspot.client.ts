import type { FetchPageParams, SyncPage, UpstreamHttp } from '../../core/plugin-sdk';

/** A CRM record as the v3 objects API returns it: every property value is a string or null. */
export interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface HubspotAccountDetails {
  portalId: number;
  accountType: string;
  timeZone: string;
  companyCurrency: string;
  uiDomain: string;
}

interface CollectionResponse {
  results: HubspotObject[];
  paging?: { next?: { after: string; link?: string } };
}

interface SearchResponse extends CollectionResponse {
  total: number;
}

/** What the syncs read of one object type. */
export interface HubspotObjectSpec {
  objectType: 'contacts' | 'companies' | 'deals';
  properties: readonly string[];
  /** the property search can filter and sort on for incremental runs */
  modifiedProperty: string;
}

// Contacts predate HubSpot's `hs_` prefix: their modification date is `lastmodifieddate`.
export const CONTACTS: HubspotObjectSpec = {
  objectType: 'contacts',
  properties: ['email', 'firstname', 'lastname', 'phone', 'company', 'lastmodifieddate'],
  modifiedProperty: 'lastmodifieddate',
};
export const COMPANIES: HubspotObjectSpec = {
  objectType: 'companies',
  properties: ['name', 'domain', 'industry', 'phone', 'hs_lastmodifieddate'],
  modifiedProperty: 'hs_lastmodifieddate',
};
export const DEALS: HubspotObjectSpec = {
  objectType: 'deals',
  properties: ['dealname', 'amount', 'deal_currency_code', 'dealstage', 'closedate', 'hs_lastmodifieddate'],
  modifiedProperty: 'hs_lastmodifieddate',
};

const LIST_LIMIT = 100;
const SEARCH_LIMIT = 200;
/** search answers 400 past this many results of one query, so long incremental runs restart the query */
const SEARCH_RESULT_CAP = 10_000;

/**
 * Incremental runs walk two phases: records changed since the checkpoint (search), then records
 * archived since it (the archived listing, which search does not see).
 */
type IncrementalCursor =
  | { phase: 'changed'; since: number; after?: string; seen: number }
  | { phase: 'archived'; after?: string };

/** One page of a sync: the plain listing on full runs, the search-then-archived walk on incremental ones. */
export async function fetchObjectPage(http: UpstreamHttp, spec: HubspotObjectSpec, params: FetchPageParams): Promise<SyncPage<HubspotObject>> {
  if (!params.modifiedSince) {
    const page = await listObjects(http, spec, { after: params.cursor });
    return { records: page.results, nextCursor: page.paging?.next?.after ?? null };
  }
  const state: IncrementalCursor = params.cursor
    ? (JSON.parse(params.cursor) as IncrementalCursor)
    : { phase: 'changed', since: params.modifiedSince.getTime(), seen: 0 };
  return state.phase === 'changed' ? changedPage(http, spec, state) : archivedPage(http, spec, state, params.modifiedSince);
}

async function changedPage(http: UpstreamHttp, spec: HubspotObjectSpec, state: Extract<IncrementalCursor, { phase: 'changed' }>): Promise<SyncPage<HubspotObject>> {
  const res = await searchModifiedSince(http, spec, state.since, state.after);
  const seen = state.seen + res.results.length;
  const last = res.results.at(-1);
  const lastModified = last ? Date.parse(last.properties[spec.modifiedProperty] ?? last.updatedAt) : state.since;
  let next: IncrementalCursor;
  // Results are sorted by modification date, so restarting from the last one seen skips nothing
  // (the records sharing its instant come again, which upserts absorb).
  if (seen < res.total && seen + SEARCH_LIMIT > SEARCH_RESULT_CAP && lastModified > state.since) {
    next = { phase: 'changed', since: lastModified, seen: 0 };
  } else if (res.paging?.next?.after) {
    next = { phase: 'changed', since: state.since, after: res.paging.next.after, seen };
  } else {
    next = { phase: 'archived' };
  }
  return { records: res.results, nextCursor: JSON.stringify(next) };
}

async function archivedPage(http: UpstreamHttp, spec: HubspotObjectSpec, state: Extract<IncrementalCursor, { phase: 'archived' }>, since: Date): Promise<SyncPage<HubspotObject>> {
  // The archived listing has no date filter: walk it and keep what was archived since the checkpoint.
  const res = await listObjects(http, { ...spec, properties: [spec.modifiedProperty] }, { after: state.after, archived: true });
  const deletedIds = res.results.filter((o) => o.archivedAt && Date.parse(o.archivedAt) >= since.getTime()).map((o) => o.id);
  const after = res.paging?.next?.after;
  return { records: [], deletedIds, nextCursor: after ? JSON.stringify({ phase: 'archived', after } satisfies IncrementalCursor) : null };
}

export function listObjects(http: UpstreamHttp, spec: HubspotObjectSpec, opts: { after?: string | null; archived?: boolean }): Promise<CollectionResponse> {
  return http.get<CollectionResponse>(`/crm/v3/objects/${spec.objectType}`, {
    limit: LIST_LIMIT,
    after: opts.after,
    properties: spec.properties.join(','),
    archived: opts.archived ?? false,
  });
}

async function searchModifiedSince(http: UpstreamHttp, spec: HubspotObjectSpec, sinceMs: number, after?: string): Promise<SearchResponse> {
  const res = await http.request<SearchResponse>({
    method: 'POST',
    path: `/crm/v3/objects/${spec.objectType}/search`,
    json: {
      filterGroups: [{ filters: [{ propertyName: spec.modifiedProperty, operator: 'GTE', value: String(sinceMs) }] }],
      sorts: [{ propertyName: spec.modifiedProperty, direction: 'ASCENDING' }],
      properties: spec.properties,
      limit: SEARCH_LIMIT,
      after,
    },
  });
  return res.body;
}

export type PropertyValues = Record<string, string | number | null | undefined>;

export async function createObject(http: UpstreamHttp, objectType: HubspotObjectSpec['objectType'], properties: PropertyValues): Promise<HubspotObject> {
  const res = await http.request<HubspotObject>({ method: 'POST', path: `/crm/v3/objects/${objectType}`, json: { properties } });
  return res.body;
}

export async function updateObject(http: UpstreamHttp, objectType: HubspotObjectSpec['objectType'], id: string, properties: PropertyValues): Promise<HubspotObject> {
  const res = await http.request<HubspotObject>({ method: 'PATCH', path: `/crm/v3/objects/${objectType}/${encodeURIComponent(id)}`, json: { properties } });
  return res.body;
}

/** Reads one record by its id, or by another unique property such as a contact's email. */
export function getObject(http: UpstreamHttp, spec: HubspotObjectSpec, id: string, idProperty?: string): Promise<HubspotObject> {
  return http.get<HubspotObject>(`/crm/v3/objects/${spec.objectType}/${encodeURIComponent(id)}`, {
    properties: spec.properties.join(','),
    idProperty,
  });
}

export function getAccountDetails(http: UpstreamHttp): Promise<HubspotAccountDetails> {
  return http.get<HubspotAccountDetails>('/account-info/v3/details');
}
