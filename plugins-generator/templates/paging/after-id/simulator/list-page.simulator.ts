/**
 * Tmpl Platform's list answers, after-id style: the records following the one whose id is
 * `tmpl_cursor`, and whether more follow them.
 */
export function listPage<T extends { tmpl_id: string | number }>(records: readonly T[], page: { limit: number; position: unknown; url: URL }): { body: unknown } {
  const after = page.position === undefined ? -1 : records.findIndex((r) => String(r.tmpl_id) === String(page.position));
  if (page.position !== undefined && after === -1) throw Object.assign(new Error(`no record ${String(page.position)} to list after`), { status: 400 });
  const rest = records.slice(after + 1);
  return { body: { tmpl_records: rest.slice(0, page.limit), tmpl_has_more: rest.length > page.limit } };
}
