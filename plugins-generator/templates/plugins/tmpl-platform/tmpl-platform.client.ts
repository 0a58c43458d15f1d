import type { SyncPage, UpstreamHttp } from '../../core/plugin-sdk';
import { nextCursor, pageQuery, recordsOf, type ListBody } from './tmpl-platform.paging';
import type { TmplPlatformRecord, TmplPlatformTmplItem } from './tmpl-platform.types';

/** Where each entity is listed. */
export const TMPL_ITEMS_PATH = '/tmpl-items'; // @each entity @sub ['/tmpl-items'] listPath

const CREATE_TMPL_ITEM_PATH = '/tmpl-items'; // @sub ['/tmpl-items'] createPath

/** One page of a list; how Tmpl Platform pages is in tmpl-platform.paging.ts. */
export async function listPage<T extends TmplPlatformRecord>(http: UpstreamHttp, path: string, cursor: string | null): Promise<SyncPage<T>> {
  const answer = await http.request<ListBody<T>>({ path, query: pageQuery(cursor) });
  return { records: recordsOf(answer.body), nextCursor: nextCursor<T>(answer, cursor) };
}

export type TmplItemInput = Record<string, string | number | boolean | null | undefined>;

export async function createTmplItem(http: UpstreamHttp, input: TmplItemInput): Promise<TmplPlatformTmplItem> {
  const answer = await http.request<TmplPlatformTmplItem>({ method: 'POST', path: CREATE_TMPL_ITEM_PATH, json: input }); // @if body=json
  // @when body=form: const answer = await http.request<TmplPlatformTmplItem>({ method: 'POST', path: CREATE_TMPL_ITEM_PATH, form: input });
  return answer.body;
}

// @if anyUpdated
/** When a record last changed, from an ISO timestamp or unix seconds. */
export function updatedAt(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const at = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}
// @end
