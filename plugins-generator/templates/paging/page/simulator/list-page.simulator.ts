/** Tmpl Platform's list answers, page style: page `tmpl_cursor` (from 1) and the number of pages. */
export function listPage<T>(records: readonly T[], page: { limit: number; position: unknown; url: URL }): { body: unknown } {
  const n = page.position === undefined ? 1 : Number(page.position);
  if (!Number.isInteger(n) || n < 1) throw Object.assign(new Error('tmpl_cursor must be a page number from 1'), { status: 400 });
  return { body: { tmpl_records: records.slice((n - 1) * page.limit, n * page.limit), tmpl_total: Math.ceil(records.length / page.limit) } };
}
