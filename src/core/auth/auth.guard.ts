import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard, type IAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { RequestContext, type Principal } from '../tenancy/request-context';
import type { UserRole } from '../tenancy/user.entity';
import { IS_PUBLIC, ROLES } from './auth.decorators';
import { PrincipalResolver } from './principal-resolver.service';

export const API_KEY_PREFIX = 'pb_';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; user?: Principal };

/**
 * The global guard: every route needs credentials unless marked @Public(). Accepts
 * `Authorization: Bearer <jwt or API key>` and `X-API-Key`, sets the request's principal once in
 * the request context, and checks roles and API-key scopes.
 */
@Injectable()
export class PlugboardAuthGuard implements CanActivate {
  private readonly passport: IAuthGuard;

  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalResolver,
    private readonly context: RequestContext,
    @Inject(PLUGBOARD_CONFIG) config: PlugboardConfig,
  ) {
    const Guard = PassportAuthGuard(config.AUTH_JWKS_URL ? ['jwt', 'external-jwt'] : 'jwt');
    this.passport = new Guard();
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(ctx, req);
    this.authorize(principal, req.method, this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets));
    req.principal = principal;
    const store = this.context.store;
    if (store) store.principal = principal;
    return true;
  }

  private async authenticate(ctx: ExecutionContext, req: AuthenticatedRequest): Promise<Principal> {
    const headerKey = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (typeof headerKey === 'string' && headerKey) return this.principals.forApiKey(headerKey);
    if (bearer?.startsWith(API_KEY_PREFIX)) return this.principals.forApiKey(bearer);
    if (!bearer) throw new UnauthorizedException('missing credentials: send Authorization: Bearer <token or API key>, or X-API-Key');
    try {
      await this.passport.canActivate(ctx);
    } catch (e) {
      if (e instanceof ForbiddenException) throw e;
      throw new UnauthorizedException('invalid or expired access token');
    }
    return req.user as Principal;
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
