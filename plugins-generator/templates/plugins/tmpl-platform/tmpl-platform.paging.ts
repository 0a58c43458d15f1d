/**
 * How Tmpl Platform pages a list: each answer names the cursor of the next page (`tmpl_next`), which
 * goes back as `tmpl_cursor`; no cursor means the last page.
 */
export const PAGE_SIZE = 100;

export interface ListBody<T> {
  tmpl_records: T[];
  tmpl_next?: string | null;
}

export function pageQuery(cursor: string | null): Record<string, string | number | undefined> {
  return { tmpl_limit: PAGE_SIZE, tmpl_cursor: cursor ?? undefined };
}

export function recordsOf<T>(body: ListBody<T>): T[] {
  return body.tmpl_records;
}

export function nextCursor<T>(answer: { body: ListBody<T>; headers: Record<string, string> }, _cursor: string | null): string | null {
  return answer.body.tmpl_next || null;
}
