import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Public } from '../../core/auth';
import { AdminErrorFilter } from '../admin-error.filter';
import { safeReturnTo } from '../admin-errors';
import { AdminPages } from '../admin-pages.service';
import type { AdminRequest } from '../admin-scope';
import { AdminLogin } from '../session/admin-login.service';
import { AdminSessionGuard, CSRF_FIELD, LOGIN_COOKIE, SESSION_COOKIE } from '../session/admin-session.guard';
import { AdminSessions } from '../session/admin-sessions.service';
import { clearCookie, readCookie, setCookie } from '../session/cookies';
import { CsrfTokens } from '../session/csrf';

const loginBinding = (nonce: string) => `login:${nonce}`;

/** Secure whenever the browser came over https (behind a proxy: trustProxy in production reads X-Forwarded-Proto). */
const secure = (req: AdminRequest) => req.protocol === 'https';

/**
 * Log-in and log-out. The log-in form carries a CSRF token too (against log-in CSRF): the HMAC of a
 * random pre-session cookie. The log-in POST keeps the API's per-address limiter on top of the lockout.
 */
@ApiExcludeController()
@Public()
@UseFilters(AdminErrorFilter)
@Controller('admin')
export class AdminAuthController {
  constructor(
    private readonly login: AdminLogin,
    private readonly sessions: AdminSessions,
    private readonly csrf: CsrfTokens,
    private readonly pages: AdminPages,
  ) {}

  @Get('login')
  @SkipThrottle()
  async form(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query('next') next?: string): Promise<void> {
    if (await this.sessions.read(readCookie(req, SESSION_COOKIE))) return void reply.redirect(safeReturnTo(next), 303);
    await this.renderForm(req, reply, { next: safeReturnTo(next) }, 200);
  }

  @Post('login')
  async submit(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const next = safeReturnTo(body?.next);
    const email = typeof body?.email === 'string' ? body.email.slice(0, 320) : '';
    const nonce = readCookie(req, LOGIN_COOKIE);
    if (!nonce || !this.csrf.verify(loginBinding(nonce), body?.[CSRF_FIELD])) {
      return this.renderForm(req, reply, { next, email, error: 'The log-in form expired or did not come from this site. Try again.' }, 403);
    }
    const password = typeof body?.password === 'string' ? body.password.slice(0, 1000) : '';
    const outcome = await this.login.attempt(email, password, req.ip);
    if (!outcome.ok) {
      const error = outcome.reason === 'locked'
        ? `Too many failed log-ins. Try again in ${Math.max(1, Math.ceil(outcome.retryAfterSeconds / 60))} minutes.`
        : 'Wrong email or password.';
      return this.renderForm(req, reply, { next, email, error }, outcome.reason === 'locked' ? 429 : 401);
    }
    const session = await this.sessions.create(outcome.identity);
    req.adminSession = session;
    setCookie(reply, SESSION_COOKIE, session.id, { path: '/admin', secure: secure(req) });
    clearCookie(reply, LOGIN_COOKIE, '/admin/login');
    void reply.redirect(next, 303);
  }

  @Post('logout')
  @SkipThrottle()
  @UseGuards(AdminSessionGuard)
  async logout(@Req() req: AdminRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sessions.destroy(req.adminSession!.id);
    clearCookie(reply, SESSION_COOKIE, '/admin');
    void reply.redirect('/admin/login', 303);
  }

  /** The form, with a fresh pre-session cookie and the token that fits it. */
  private async renderForm(req: AdminRequest, reply: FastifyReply, data: { next: string; email?: string; error?: string }, status: number): Promise<void> {
    const nonce = randomBytes(24).toString('base64url');
    setCookie(reply, LOGIN_COOKIE, nonce, { path: '/admin/login', secure: secure(req), maxAge: 3600 });
    await this.pages.page(req, reply, 'login', { title: 'Log in', loginCsrf: this.csrf.issue(loginBinding(nonce)), ...data }, status);
  }
}
