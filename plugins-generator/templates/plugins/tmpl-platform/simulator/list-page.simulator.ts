/**
 * Tmpl Platform's list answers, cursor style: a page of records and an opaque cursor of the next page
 * (null on the last). The cursor encodes where the next page starts.
 */
export function listPage<T>(records: readonly T[], page: { limit: number; position: unknown; url: URL }): { body: unknown; headers?: Record<string, string> } {
  const start = page.position === undefined ? 0 : Number(Buffer.from(String(page.position), 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > records.length) throw Object.assign(new Error('tmpl_cursor is not a cursor this API issued'), { status: 400 });
  const end = start + page.limit;
  return { body: { tmpl_records: records.slice(start, end), tmpl_next: end < records.length ? Buffer.from(String(end)).toString('base64url') : null } };
}
