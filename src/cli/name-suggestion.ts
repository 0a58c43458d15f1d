/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name a mistyped one most likely meant: the closest by edit distance within a third of
 * its length (at least 1), or the only name it is a prefix of; undefined when nothing is close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(wanted, k.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name: k, distance };
  }
  if (best) return best.name;
  const prefixed = known.filter((k) => k.toLowerCase().startsWith(wanted));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** An operator's typo as one clear line: what is unknown, what was probably meant, what exists. */
export class UnknownNameError extends Error {
  constructor(kind: string, name: string, known: readonly string[]) {
    const guess = closestName(name, known);
    const hint = guess ? ` (did you mean "${guess}"?)` : '';
    const list = known.length ? `; known: ${known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ')}` : `; there are no ${kind}s`;
    super(`unknown ${kind} "${name}"${hint}${list}`);
  }
}
