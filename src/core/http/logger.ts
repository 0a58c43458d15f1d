import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they sit. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'headers.authorization', 'headers["x-api-key"]',
  '*.password', '*.apiKey', '*.secret', '*.token', '*.accessToken', '*.refreshToken', '*.clientSecret', '*.webhookSecret', '*.key',
  'credentials', '*.credentials',
];

export function createRootLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'plugboard' } });
}

/** Nest's logger interface over pino, so framework and app lines share one JSON stream. */
/** Nest's start-up chatter (one line per module and route) is debug detail, not news. */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  private write(level: 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message, ...(params.length ? { params } : {}) });
    else this.pino[level]({ context, ...(params.length && params[0] instanceof Error ? { err: params[0] } : {}) }, String(message));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write(BOOT_CONTEXTS.has(params[params.length - 1] as string) ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void { this.write('error', message, params); }
  warn(message: unknown, ...params: unknown[]): void { this.write('warn', message, params); }
  debug(message: unknown, ...params: unknown[]): void { this.write('debug', message, params); }
  verbose(message: unknown, ...params: unknown[]): void { this.write('trace', message, params); }
  fatal(message: unknown, ...params: unknown[]): void { this.write('fatal', message, params); }
}
