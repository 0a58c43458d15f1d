/**
 * How Tmpl Platform pages a list: by offset. A page skips the records already read (`tmpl_cursor`);
 * the answer may say how many there are in all (`tmpl_total`), else a short page is the last.
 */
export const PAGE_SIZE = 100;

export interface ListBody<T> {
  tmpl_records: T[];
  tmpl_total?: number;
}

export function pageQuery(cursor: string | null): Record<string, string | number | undefined> {
  return { tmpl_limit: PAGE_SIZE, tmpl_cursor: Number(cursor ?? 0) };
}

export function recordsOf<T>(body: ListBody<T>): T[] {
  return body.tmpl_records;
}

export function nextCursor<T>(answer: { body: ListBody<T> }, cursor: string | null): string | null {
  const { tmpl_records: page, tmpl_total: total } = answer.body;
  const read = Number(cursor ?? 0) + page.length;
  return (total === undefined ? page.length === PAGE_SIZE : read < total) ? String(read) : null;
}
