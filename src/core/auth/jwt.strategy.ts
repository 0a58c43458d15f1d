import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { PrincipalResolver } from './principal-resolver.service';
import { ACCESS_AUDIENCE, ISSUER, TokenService, type AccessClaims } from './token.service';
import type { Principal } from '../tenancy';

/** Verifies Plugboard's own access tokens (HS256). */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(tokens: TokenService, private readonly principals: PrincipalResolver) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt hands this to jsonwebtoken unchanged; a KeyObject skips its PEM parsing attempt
      secretOrKey: tokens.key as unknown as string,
      algorithms: ['HS256'],
      audience: ACCESS_AUDIENCE,
      issuer: ISSUER,
    });
  }

  async validate(claims: AccessClaims): Promise<Principal> {
    if (claims.typ !== 'access') throw new UnauthorizedException('not an access token');
    return this.principals.forUser(claims.sub, claims.tid);
  }
}
