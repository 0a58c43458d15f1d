import { Inject, Injectable } from '@nestjs/common';
import { createHash, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';

export interface AccessClaims {
  sub: string;
  tid: string;
  role: string;
  typ: 'access';
}

export const ACCESS_AUDIENCE = 'plugboard-api';
export const ISSUER = 'plugboard';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Opaque secrets with a recognisable prefix, so leaked ones can be found by secret scanners. */
export function opaqueToken(prefix: string, bytes = 20): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/**
 * Signs our access tokens. The secret is a pre-built KeyObject: given a string, jsonwebtoken first
 * tries to parse it as a PEM key, which costs about fifty times the verification itself.
 */
@Injectable()
export class TokenService {
  readonly key: KeyObject;

  constructor(@Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig) {
    this.key = createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8'));
  }

  signAccess(claims: Omit<AccessClaims, 'typ'>): { token: string; expiresIn: number } {
    const expiresIn = this.config.JWT_ACCESS_TTL_SECONDS;
    const token = jwt.sign({ ...claims, typ: 'access' }, this.key, { algorithm: 'HS256', expiresIn, audience: ACCESS_AUDIENCE, issuer: ISSUER });
    return { token, expiresIn };
  }
}
