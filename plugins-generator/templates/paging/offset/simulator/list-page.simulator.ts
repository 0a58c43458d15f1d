/** Tmpl Platform's list answers, offset style: the records after the first `tmpl_cursor`, and how many there are in all. */
export function listPage<T>(records: readonly T[], page: { limit: number; position: unknown; url: URL }): { body: unknown } {
  const skip = page.position === undefined ? 0 : Number(page.position);
  if (!Number.isInteger(skip) || skip < 0) throw Object.assign(new Error('tmpl_cursor must be a whole number of records to skip'), { status: 400 });
  return { body: { tmpl_records: records.slice(skip, skip + page.limit), tmpl_total: records.length } };
}
