/**
 * How Tmpl Platform pages a list: after an id. The next page is asked for with the id of the last
 * record seen (`tmpl_cursor`), for as long as the answer says there is more (`tmpl_has_more`).
 */
export const PAGE_SIZE = 100;

export interface ListBody<T> {
  tmpl_records: T[];
  tmpl_has_more: boolean;
}

export function pageQuery(cursor: string | null): Record<string, string | number | undefined> {
  return { tmpl_limit: PAGE_SIZE, tmpl_cursor: cursor ?? undefined };
}

export function recordsOf<T>(body: ListBody<T>): T[] {
  return body.tmpl_records;
}

export function nextCursor<T extends { tmpl_id: string | number }>(answer: { body: ListBody<T> }, _cursor: string | null): string | null {
  const last = answer.body.tmpl_records.at(-1);
  return answer.body.tmpl_has_more && last ? String(last.tmpl_id) : null;
}
