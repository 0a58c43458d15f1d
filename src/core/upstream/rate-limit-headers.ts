/** Milliseconds a `Retry-After` header asks for: delta seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | null {
  if (!header?.trim()) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Milliseconds until a rate-limit window resets, from a reset header in any of the shapes platforms
 * use: epoch milliseconds, epoch seconds, delta seconds, or an HTTP date. Null when absent or unreadable.
 */
export function resetDelayMs(header: string | undefined, now = Date.now()): number | null {
  if (!header?.trim()) return null;
  const n = Number(header);
  if (Number.isFinite(n)) {
    if (n > 1e12) return Math.max(0, n - now); // epoch ms
    if (n > 1e9) return Math.max(0, n * 1000 - now); // epoch s
    return Math.max(0, n * 1000); // seconds from now
  }
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * What the platform's declared rate-limit headers say about holding the connection's calls: when
 * `remaining` reached 0, until the reset it names ({ ms }), or, when it names none, until the
 * connection's window frees ('window'). Null when the response gives no reason to hold.
 */
export function platformHold(
  names: { remaining?: string; reset?: string } | undefined,
  headers: Readonly<Record<string, string>>,
  now = Date.now(),
): { ms: number } | 'window' | null {
  if (!names?.remaining) return null;
  const raw = headers[names.remaining.toLowerCase()];
  if (raw === undefined || raw.trim() === '') return null;
  const remaining = Number(raw);
  if (!Number.isFinite(remaining) || remaining > 0) return null;
  const reset = names.reset ? resetDelayMs(headers[names.reset.toLowerCase()], now) : null;
  return reset === null ? 'window' : { ms: reset };
}
