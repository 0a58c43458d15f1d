/**
 * How Tmpl Platform pages a list: by Link header. An answer is the page's records; its `Link` header
 * names the next page's URL (rel="next"), whose query the next request repeats. No such link: the last page.
 */
export const PAGE_SIZE = 100;

export type ListBody<T> = T[];

export function pageQuery(cursor: string | null): Record<string, string | number | undefined> {
  return cursor ? Object.fromEntries(new URLSearchParams(cursor)) : { tmpl_limit: PAGE_SIZE };
}

export function recordsOf<T>(body: ListBody<T>): T[] {
  return body;
}

export function nextCursor<T>(answer: { body: ListBody<T>; headers: Record<string, string> }, _cursor: string | null): string | null {
  const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(answer.headers.link ?? '')?.[1];
  return next ? new URL(next).search.slice(1) || null : null;
}
