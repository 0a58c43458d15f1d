import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../auth';

/**
 * Tier rate limits: an authenticated caller spends its tenant's budget (one budget across every
 * route and every API process, kept in Redis); anonymous callers are limited per IP and route.
 * Runs after the auth guard, which has set the principal.
 */
@Injectable()
export class TierThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const p = (req as AuthenticatedRequest).principal;
    return p ? `tenant:${p.tenantId}` : `ip:${(req as AuthenticatedRequest).ip}`;
  }

  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return tracker.startsWith('tenant:') ? `${name}:${tracker}` : super.generateKey(context, tracker, name);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const req = props.context.switchToHttp().getRequest<AuthenticatedRequest>();
    // A route's own @Throttle limit applies to anonymous callers; a tenant always gets its plan's limit.
    return super.handleRequest(req.principal ? { ...props, limit: req.principal.rateLimit } : props);
  }
}
