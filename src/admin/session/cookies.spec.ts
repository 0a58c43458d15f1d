import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearCookie, readCookie, setCookie } from './cookies';

function replyRecorder(): { reply: FastifyReply; headers: string[] } {
  const headers: string[] = [];
  const reply = { header: (name: string, value: string) => (name === 'set-cookie' && headers.push(value), reply) } as unknown as FastifyReply;
  return { reply, headers };
}

describe('admin cookies', () => {
  it('reads one cookie among several', () => {
    const req = { headers: { cookie: 'a=1; pb_admin=abc_DEF-123; pb_admin_login=x' } } as FastifyRequest;
    expect(readCookie(req, 'pb_admin')).toBe('abc_DEF-123');
    expect(readCookie(req, 'missing')).toBeUndefined();
    expect(readCookie({ headers: {} } as FastifyRequest, 'pb_admin')).toBeUndefined();
  });

  it('sets httpOnly SameSite=Strict cookies, Secure over https, and clears them', () => {
    const { reply, headers } = replyRecorder();
    setCookie(reply, 'pb_admin', 'v', { path: '/admin', secure: true });
    setCookie(reply, 'pb_admin_login', 'n', { path: '/admin/login', secure: false, maxAge: 3600 });
    clearCookie(reply, 'pb_admin', '/admin');
    expect(headers).toEqual([
      'pb_admin=v; Path=/admin; HttpOnly; SameSite=Strict; Secure',
      'pb_admin_login=n; Path=/admin/login; HttpOnly; SameSite=Strict; Max-Age=3600',
      'pb_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0',
    ]);
  });
});
