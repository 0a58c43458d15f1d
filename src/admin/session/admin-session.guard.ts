import { CanActivate, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AdminRequest } from '../admin-scope';
import { AdminSessions } from './admin-sessions.service';
import { readCookie } from './cookies';
import { CsrfTokens } from './csrf';

export const SESSION_COOKIE = 'pb_admin';
/** the log-in form's pre-session cookie, whose HMAC is the form's CSRF token */
export const LOGIN_COOKIE = 'pb_admin_login';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const OPERATOR_ONLY = 'plugboard:admin:operator-only';
/** Pages that span tenants (the tenant list, the queues): a tenant owner is refused. */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** No session: the error filter sends the browser to the log-in page and back here afterwards. */
export class AdminLoginRequired extends HttpException {
  constructor(readonly returnTo: string) {
    super('log in to continue', HttpStatus.UNAUTHORIZED);
  }
}

export const sessionBinding = (sessionId: string) => `session:${sessionId}`;

/** The token of a request: the form field, or the header the panel's script sends. */
export function presentedCsrf(req: AdminRequest): unknown {
  const body = req.body as Record<string, unknown> | undefined;
  return (body && typeof body === 'object' ? body[CSRF_FIELD] : undefined) ?? req.headers[CSRF_HEADER];
}

/**
 * Every panel page: a live session (from the cookie), operators only where marked, and on anything
 * but GET a CSRF token bound to the session, checked before the handler (or the body's validation) runs.
 */
@Injectable()
export class AdminSessionGuard implements CanActivate {
  constructor(
    private readonly sessions: AdminSessions,
    private readonly csrf: CsrfTokens,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AdminRequest>();
    const session = await this.sessions.read(readCookie(req, SESSION_COOKIE));
    if (!session) throw new AdminLoginRequired(req.method === 'GET' ? req.url : '/admin');
    req.adminSession = session;
    if (!SAFE_METHODS.has(req.method) && !this.csrf.verify(sessionBinding(session.id), presentedCsrf(req))) {
      throw new ForbiddenException('the form has no valid CSRF token: reload the page and try again');
    }
    if (session.role !== 'operator' && this.reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, [ctx.getHandler(), ctx.getClass()])) {
      throw new ForbiddenException('this page is for operators');
    }
    return true;
  }
}
