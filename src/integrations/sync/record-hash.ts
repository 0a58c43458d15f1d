import { createHash } from 'node:crypto';

/**
 * The canonical JSON of a record: object keys sorted, `volatile` dotted paths left out (a path
 * through an array applies to each element), undefined members dropped as JSON.stringify does.
 */
export function canonicalJson(value: unknown, volatile: ReadonlySet<string> = new Set(), path = ''): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, volatile, path)).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    const p = path ? `${path}.${key}` : key;
    if (volatile.has(p)) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v, volatile, p)}`);
  }
  return `{${parts.join(',')}}`;
}

/** sha256 of the canonical JSON: equal for records that differ only in key order or volatile fields. */
export function recordHash(value: unknown, volatile: ReadonlySet<string> = new Set()): Buffer {
  return createHash('sha256').update(canonicalJson(value, volatile)).digest();
}
