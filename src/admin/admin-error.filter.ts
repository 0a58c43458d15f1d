import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ValidationFailedException } from '../core/http';
import { AdminPages } from './admin-pages.service';
import type { AdminRequest } from './admin-scope';
import { AdminLoginRequired } from './session/admin-session.guard';
import { messageOf, safeReturnTo } from './admin-errors';

/**
 * Errors on panel pages are pages too (the API's problem+json is for machines): 404 and 403 say
 * what happened, a missing session goes to the log-in page, anything unexpected is logged and shown
 * without internals.
 */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('Admin');

  constructor(private readonly pages: AdminPages) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<AdminRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof AdminLoginRequired) {
      void reply.redirect(`/admin/login?next=${encodeURIComponent(safeReturnTo(exception.returnTo))}`, 303);
      return;
    }
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    if (status >= 500) this.log.error({ err: exception, requestId: req.id }, `admin page failed: ${req.method} ${req.url}`);
    const detail = status >= 500 ? 'Something went wrong on our side; the error is logged with the request id below.' : messageOf(exception);
    const errors = exception instanceof ValidationFailedException ? exception.errors : [];
    await this.pages.page(req, reply, 'error', { title: `${status} ${STATUS_CODES[status] ?? 'Error'}`, status, detail, errors, requestId: req.id }, status);
  }
}
