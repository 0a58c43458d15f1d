/**
 * How Tmpl Platform pages a list: by page number, from 1 (`tmpl_cursor`). The answer may say how many
 * pages there are (`tmpl_total`), else a short page is the last.
 */
export const PAGE_SIZE = 100;

export interface ListBody<T> {
  tmpl_records: T[];
  tmpl_total?: number;
}

export function pageQuery(cursor: string | null): Record<string, string | number | undefined> {
  return { tmpl_limit: PAGE_SIZE, tmpl_cursor: Number(cursor ?? 1) };
}

export function recordsOf<T>(body: ListBody<T>): T[] {
  return body.tmpl_records;
}

export function nextCursor<T>(answer: { body: ListBody<T> }, cursor: string | null): string | null {
  const page = Number(cursor ?? 1);
  const pages = answer.body.tmpl_total;
  return (pages === undefined ? answer.body.tmpl_records.length === PAGE_SIZE : page < pages) ? String(page + 1) : null;
}
