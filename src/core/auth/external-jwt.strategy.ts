import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import type { Principal } from '../tenancy';
import { PrincipalResolver } from './principal-resolver.service';

/**
 * Accepts tokens of an external identity provider (Clerk, Auth0, ...) through its JWKS URL, for teams
 * that already sign their users in elsewhere. The token's email claim must name a Plugboard user.
 * Registered only when AUTH_JWKS_URL is set.
 */
@Injectable()
export class ExternalJwtStrategy extends PassportStrategy(Strategy, 'external-jwt') {
  constructor(@Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig, private readonly principals: PrincipalResolver) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({ jwksUri: config.AUTH_JWKS_URL!, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
      algorithms: ['RS256', 'ES256'],
      issuer: config.AUTH_JWKS_ISSUER,
      audience: config.AUTH_JWKS_AUDIENCE,
    });
  }

  async validate(claims: Record<string, unknown>): Promise<Principal> {
    return this.principals.forExternalEmail(String(claims[this.config.AUTH_JWKS_EMAIL_CLAIM] ?? ''));
  }
}
