import { HttpException } from '@nestjs/common';
import { ConnectionNeedsReauthError } from '../integrations/connections';

/** Where a log-in may send the browser back to: a path of the panel, never another site. */
export function safeReturnTo(path: unknown): string {
  return typeof path === 'string' && /^\/admin(\/|\?|$)/.test(path) && !path.includes('//') && !path.includes('\\') ? path : '/admin';
}

/** The text an error gives a person: an HTTP error's message (its detail), or the error's own. */
export function messageOf(e: unknown): string {
  if (!(e instanceof HttpException)) return e instanceof Error ? e.message : String(e);
  const r = e.getResponse();
  if (typeof r === 'string') return r;
  const m = (r as { message?: unknown }).message;
  return Array.isArray(m) ? m.join('; ') : String(m ?? e.message);
}

/**
 * An action's failure the operator can act on, shown as a message on the page they came from: a
 * refusal (409, 422, 400...) or a connection that needs re-authorizing. A missing id is a 404 page;
 * anything else is an error page.
 */
export function isActionRefusal(e: unknown): boolean {
  if (e instanceof ConnectionNeedsReauthError) return true;
  return e instanceof HttpException && e.getStatus() >= 400 && e.getStatus() < 500 && e.getStatus() !== 404;
}
