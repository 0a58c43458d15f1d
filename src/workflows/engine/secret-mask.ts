/** Keys whose values are credentials wherever they sit in a step's input or output. */
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key|signature/i;
export const MASK = '[masked]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of value with every secret-looking key's value replaced; what the step log stores. */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return MASK;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && v !== null && v !== undefined && v !== '' ? MASK : maskSecrets(v, depth + 1)]));
  }
  return value;
}
