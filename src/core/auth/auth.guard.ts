import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { Authenticator } from 'passport';
import { RequestContext, type Principal, type UserRole } from '../tenancy';
import { IS_PUBLIC, ROLES } from './auth.decorators';
import { ExternalJwtStrategy } from './external-jwt.strategy';
import { JwtStrategy } from './jwt.strategy';
import { PrincipalResolver } from './principal-resolver.service';

export const API_KEY_PREFIX = 'pb_';

const VERIFIED_TTL_MS = 5_000;

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; user?: Principal };

/**
 * The global guard: every route needs credentials unless marked @Public(). Accepts
 * `Authorization: Bearer <jwt or API key>` and `X-API-Key`, sets the request's principal once in
 * the request context, and checks roles and API-key scopes.
 */
@Injectable()
export class PlugboardAuthGuard implements CanActivate {
  /** this app's own passport: the global one holds whichever app registered its strategies last */
  private readonly passport = new Authenticator();
  private readonly strategies: string[];
  /**
   * Verified tokens for a few seconds (never past their expiry): signature checking was a fifth of
   * the gateway's CPU under load. A principal's role or plan change reaches a token within VERIFIED_TTL_MS.
   */
  private readonly verified = new LRUCache<string, Principal>({ max: 10_000, ttl: VERIFIED_TTL_MS });

  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalResolver,
    private readonly context: RequestContext,
    jwt: JwtStrategy,
    @Inject(ExternalJwtStrategy) external: ExternalJwtStrategy | null,
  ) {
    this.passport.use('jwt', jwt);
    if (external) this.passport.use('external-jwt', external);
    this.strategies = external ? ['jwt', 'external-jwt'] : ['jwt'];
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(req);
    this.authorize(principal, req.method, this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets));
    req.principal = principal;
    const store = this.context.store;
    if (store) store.principal = principal;
    return true;
  }

  private async authenticate(req: AuthenticatedRequest): Promise<Principal> {
    const headerKey = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (typeof headerKey === 'string' && headerKey) return this.principals.forApiKey(headerKey);
    if (bearer?.startsWith(API_KEY_PREFIX)) return this.principals.forApiKey(bearer);
    if (!bearer) throw new UnauthorizedException('missing credentials: send Authorization: Bearer <token or API key>, or X-API-Key');
    return this.verifyToken(req, bearer);
  }

  private async verifyToken(req: AuthenticatedRequest, token: string): Promise<Principal> {
    const hit = this.verified.get(token);
    if (hit) return this.principals.withCurrentUser(hit);
    const principal = await this.verifyWithPassport(req);
    const exp = tokenExpiry(token);
    const ttl = Math.min(VERIFIED_TTL_MS, exp ? exp - Date.now() : 0);
    if (ttl > 0) this.verified.set(token, principal, { ttl });
    return principal;
  }

  private verifyWithPassport(req: AuthenticatedRequest): Promise<Principal> {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, principal?: Principal | false) => {
        if (err instanceof ForbiddenException) reject(err);
        else if (err || !principal) reject(new UnauthorizedException('invalid or expired access token'));
        else resolve(principal);
      };
      this.passport.authenticate(this.strategies, { session: false }, done)(req, {}, (e?: unknown) => done(e ?? new Error('not authenticated')));
    });
  }

  private authorize(p: Principal, method: string, roles: UserRole[] | undefined): void {
    if (p.kind === 'api_key') {
      const needed = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
      if (!p.scopes.includes(needed) && !p.scopes.includes('admin')) throw new ForbiddenException(`this API key lacks the "${needed}" scope`);
      if (roles && !p.scopes.includes('admin')) throw new ForbiddenException('this API key lacks the "admin" scope this route needs');
      return;
    }
    if (roles && !roles.includes(p.role)) throw new ForbiddenException(`this route needs the role ${roles.join(' or ')}; you are ${p.role}`);
  }
}

/** The `exp` of a token already verified, in ms; only read to bound the cache entry's life. */
function tokenExpiry(token: string): number | null {
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp?: number }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
