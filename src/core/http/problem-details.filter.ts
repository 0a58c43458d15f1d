import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface FieldError {
  field: string;
  message: string;
}

/** An error that names the fields that were wrong. */
export class ValidationFailedException extends HttpException {
  constructor(readonly errors: FieldError[], detail = `invalid request: ${errors.map((e) => e.message).join('; ')}`) {
    super(detail, HttpStatus.BAD_REQUEST);
  }
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/**
 * Every error leaves as RFC 9457 problem+json. Unexpected errors are logged with the request id and
 * answered without internals.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(exception, req);
    if (problem.status >= 500) this.log.error({ err: exception, requestId: req.id }, `unhandled error on ${req.method} ${req.url}`);
    void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  }

  private toProblem(exception: unknown, req: FastifyRequest): ProblemDetails {
    const base = { instance: req.url.split('?')[0], requestId: String(req.id) };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const extra = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const detail = typeof response === 'string' ? response : String(extra.message ?? exception.message);
      return {
        type: `https://plugboard.dev/problems/${slug(status)}`,
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: Array.isArray(extra.message) ? extra.message.join('; ') : detail,
        ...base,
        ...(exception instanceof ValidationFailedException ? { errors: exception.errors } : {}),
        ...pickExtensions(extra),
      };
    }
    // Fastify's own errors (body too large, malformed JSON, unsupported media type) carry a statusCode.
    const fastifyStatus = (exception as { statusCode?: number })?.statusCode;
    if (fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500) {
      return { type: `https://plugboard.dev/problems/${slug(fastifyStatus)}`, title: STATUS_CODES[fastifyStatus] ?? 'Error', status: fastifyStatus, detail: (exception as Error).message, ...base };
    }
    return { type: 'https://plugboard.dev/problems/internal', title: 'Internal Server Error', status: 500, detail: 'an unexpected error occurred; quote the request id when reporting it', ...base };
  }
}

/** Members of the problem itself, which an exception's body may not overwrite. */
const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'requestId', 'message', 'statusCode']);

/**
 * Extensions a thrower may add to a problem (limit names, upgrade hints, a health check's details),
 * never Nest's own keys; Nest's `error` is a status phrase, while Terminus puts its failed checks there.
 */
function pickExtensions(extra: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extra).filter(([k, v]) => !RESERVED.has(k) && !(k === 'error' && typeof v === 'string')));
}

function slug(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
