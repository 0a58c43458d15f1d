import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { REDIS } from '../../core/redis';

/** Who may use the panel: operators see every tenant, a tenant's owner only their own. */
export type AdminRole = 'operator' | 'owner';

export interface AdminIdentity {
  role: AdminRole;
  /** the operator's or the owner's user id */
  actorId: string;
  email: string;
  name: string;
  /** the owner's tenant; null for operators */
  tenantId: string | null;
}

export interface AdminSession extends AdminIdentity {
  /** the cookie's value; Redis holds only its sha256 */
  id: string;
  createdAt: number;
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** a session ends after this long without a request... */
export const SESSION_IDLE_SECONDS = 2 * 3600;
/** ...and in any case this long after log-in */
export const SESSION_MAX_SECONDS = 12 * 3600;
const FLASH_SECONDS = 120;

const key = (kind: string, sessionId: string) => `admin:${kind}:${createHash('sha256').update(sessionId).digest('hex')}`;

/**
 * Server-side sessions of the admin panel, in Redis under the app's prefix: the browser holds only a
 * random id, so logging out (or an operator's session being dropped) ends it everywhere at once.
 */
@Injectable()
export class AdminSessions {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** A new id at every log-in, so an id planted before log-in is worth nothing after it. */
  async create(identity: AdminIdentity): Promise<AdminSession> {
    const session: AdminSession = { ...identity, id: randomBytes(32).toString('base64url'), createdAt: Date.now() };
    const { id: _id, ...stored } = session;
    await this.redis.set(key('session', session.id), JSON.stringify(stored), 'EX', SESSION_IDLE_SECONDS);
    return session;
  }

  /** The session of a cookie value, its idle time restarted; null when unknown, idle too long or too old. */
  async read(sessionId: string | undefined): Promise<AdminSession | null> {
    if (!sessionId || sessionId.length > 100) return null;
    const raw = await this.redis.getex(key('session', sessionId), 'EX', SESSION_IDLE_SECONDS);
    if (!raw) return null;
    const session = { ...(JSON.parse(raw) as Omit<AdminSession, 'id'>), id: sessionId };
    if (Date.now() - session.createdAt > SESSION_MAX_SECONDS * 1000) {
      await this.destroy(sessionId);
      return null;
    }
    return session;
  }

  async destroy(sessionId: string): Promise<void> {
    await this.redis.del(key('session', sessionId), key('flash', sessionId));
  }

  /** A message for the next page this session sees (after a redirect). */
  async flash(sessionId: string, flash: Flash): Promise<void> {
    await this.redis.set(key('flash', sessionId), JSON.stringify(flash), 'EX', FLASH_SECONDS);
  }

  async takeFlash(sessionId: string): Promise<Flash | null> {
    const raw = await this.redis.getdel(key('flash', sessionId));
    return raw ? (JSON.parse(raw) as Flash) : null;
  }
}
