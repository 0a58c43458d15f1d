import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lock held by one caller in any process (SET NX PX with a random token; released only by
 * its holder, through a compare-and-delete script). Expires by itself if the holder dies.
 */
export class RedisLock {
  constructor(private readonly redis: Redis, private readonly pollMs = 25) {}

  /** The release function, or null when someone else holds the lock. */
  async tryAcquire(key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const token = randomUUID();
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return null;
    return async () => {
      await this.redis.eval(RELEASE, 1, key, token);
    };
  }

  /** Resolves once the lock is free (or after timeoutMs, when a holder must have died). */
  async waitReleased(key: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && (await this.redis.exists(key))) await new Promise((r) => setTimeout(r, this.pollMs));
  }
}
