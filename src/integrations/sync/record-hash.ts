import { hash } from 'node:crypto';

/** Volatile dotted paths as a tree of keys: a leaf (`true`) is left out, a subtree is descended. */
type PathTree = Map<string, PathTree | true>;

/** Compiles volatile dotted paths once per sync instead of joining path strings for every key of every record. */
export function volatileTree(paths: Iterable<string>): PathTree {
  const root: PathTree = new Map();
  for (const p of paths) {
    const keys = p.split('.');
    let node: PathTree | undefined = root;
    for (let i = 0; i < keys.length - 1 && node; i++) {
      const next: PathTree | true | undefined = node.get(keys[i]);
      // a shorter path that is already volatile leaves this whole subtree out
      node = next === true ? undefined : (next ?? (node.set(keys[i], new Map()).get(keys[i]) as PathTree));
    }
    node?.set(keys[keys.length - 1], true);
  }
  return root;
}

const EMPTY: PathTree = new Map();

function canonical(value: unknown, skip: PathTree): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) {
    // a path through an array applies to each element
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonical(value[i], skip);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    const sub = skip.size ? skip.get(key) : undefined;
    if (sub === true) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonical(v, sub ?? EMPTY)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The canonical JSON of a record: object keys sorted, `volatile` dotted paths left out (a path
 * through an array applies to each element), undefined members dropped as JSON.stringify does.
 */
export function canonicalJson(value: unknown, volatile: ReadonlySet<string> | PathTree = EMPTY): string {
  return canonical(value, volatile instanceof Map ? volatile : volatileTree(volatile));
}

/** sha256 of the canonical JSON, hex: equal for records that differ only in key order or volatile fields. */
export function recordHash(value: unknown, volatile: ReadonlySet<string> | PathTree = EMPTY): string {
  // hex straight from the one-shot hash: a Buffer result costs more than the hashing itself
  return hash('sha256', canonicalJson(value, volatile), 'hex');
}
