/** Names of fields whose values are credentials wherever they appear in a payload or headers. */
const SECRET_NAME = /secret|password|passwd|token|api[-_]?key|authorization|signature|credential|private[-_]?key|client[-_]?secret/i;

/**
 * A copy of a payload for display, with the values of secret-looking fields replaced. Platforms put
 * tokens in events (an OAuth grant, a rotated key); the log of events must not become a copy of them.
 */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [
    k,
    SECRET_NAME.test(k) && v !== null && v !== '' && typeof v !== 'object' ? '••••' : maskSecrets(v, depth + 1),
  ]));
}
