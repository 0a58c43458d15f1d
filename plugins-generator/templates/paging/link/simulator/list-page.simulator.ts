/** Tmpl Platform's list answers, Link header style: page `tmpl_cursor` (from 1) as a bare array, and a rel="next" link while more follow. */
export function listPage<T>(records: readonly T[], page: { limit: number; position: unknown; url: URL }): { body: unknown; headers?: Record<string, string> } {
  const n = page.position === undefined ? 1 : Number(page.position);
  if (!Number.isInteger(n) || n < 1) throw Object.assign(new Error('tmpl_cursor must be a page number from 1'), { status: 400 });
  if (n * page.limit >= records.length) return { body: records.slice((n - 1) * page.limit) };
  const next = new URL(page.url);
  next.searchParams.set('tmpl_cursor', String(n + 1));
  next.searchParams.set('tmpl_limit', String(page.limit));
  return { body: records.slice((n - 1) * page.limit, n * page.limit), headers: { link: `<${next.toString()}>; rel="next"` } };
}
