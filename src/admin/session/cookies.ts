import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The panel's few cookies, read and written here rather than through @fastify/cookie: that plugin
 * loads its ESM-only parser with a dynamic import, which the CommonJS test runner cannot follow.
 * Values are our own base64url ids, so no encoding is involved.
 */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  /** Secure: only sent over https */
  secure: boolean;
  /** seconds; without it the cookie ends with the browser session */
  maxAge?: number;
}

/** httpOnly and SameSite=Strict always: no script reads them and no other site's page sends them. */
export function setCookie(reply: FastifyReply, name: string, value: string, opts: CookieOptions): void {
  const attrs = [`${name}=${value}`, `Path=${opts.path}`, 'HttpOnly', 'SameSite=Strict'];
  if (opts.secure) attrs.push('Secure');
  if (opts.maxAge !== undefined) attrs.push(`Max-Age=${opts.maxAge}`);
  // Fastify keeps every set-cookie header given, rather than replacing the previous one
  void reply.header('set-cookie', attrs.join('; '));
}

export function clearCookie(reply: FastifyReply, name: string, path: string): void {
  void reply.header('set-cookie', `${name}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0`);
}
