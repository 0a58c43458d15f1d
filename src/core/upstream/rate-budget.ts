import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';

/** A connection's budget: at most `requests` calls in any `windowMs`, and `dailyQuota` per UTC day when set. */
export interface BudgetLimits {
  requests: number;
  windowMs: number;
  dailyQuota?: number;
}

export type BudgetDecision =
  | { kind: 'granted' }
  /** try again after waitMs: the window is full ('budget') or the connection is held ('hold': Retry-After, platform headers) */
  | { kind: 'wait'; waitMs: number; reason: 'budget' | 'hold' }
  /** the daily quota is used up until resumeAt (epoch ms, the next UTC midnight) */
  | { kind: 'exhausted'; resumeAt: number };

/**
 * Where a connection's call budget, daily count and "not before" hold live. The Redis store is
 * shared by every process; the in-memory one serves a single process (plugin tests, tools).
 */
export interface RateBudget {
  /** Takes one call from the budget of `key`; with null limits only holds apply. */
  take(key: string, limits: BudgetLimits | null): Promise<BudgetDecision>;
  /**
   * No call for `key` before `ms` from now; a longer hold already in place is kept. With
   * `{ windowFrees }`, until the oldest grant of the last `windowFrees` ms leaves the window (a whole
   * window when there is none): for a platform counter at 0 that does not say when it resets.
   */
  hold(key: string, ms: number | { windowFrees: number }): Promise<void>;
}

const DAY_MS = 86_400_000;

/*
 * One atomic step per attempt, on Redis' clock so every process agrees on time:
 *   KEYS[1] sliding-window log (sorted set of grant times), KEYS[2] hold (epoch ms), KEYS[3] daily count (hash day, used)
 *   ARGV: requests (0 = no window), windowMs, dailyQuota (0 = none), a unique member for this grant
 * Returns {1, 0} granted, {0, waitMs, reason} wait, {-1, resumeAt} daily quota used up.
 */
const TAKE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold = tonumber(redis.call('GET', KEYS[2]) or '0')
if hold > now then return {0, hold - now, 'hold'} end
local quota = tonumber(ARGV[3])
local day = math.floor(now / ${DAY_MS})
local used = 0
if quota > 0 then
  local d = redis.call('HMGET', KEYS[3], 'day', 'used')
  if tonumber(d[1]) == day then used = tonumber(d[2]) or 0 end
  if used >= quota then return {-1, (day + 1) * ${DAY_MS}} end
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if redis.call('ZCARD', KEYS[1]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, math.max(1, tonumber(oldest[2]) + window - now), 'budget'}
  end
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
end
if quota > 0 then
  redis.call('HSET', KEYS[3], 'day', day, 'used', used + 1)
  redis.call('PEXPIREAT', KEYS[3], (day + 2) * ${DAY_MS})
end
return {1, 0}
`;

/*
 * KEYS[1] hold, KEYS[2] the sliding-window log; ARGV[1] ms from now, or -1 with ARGV[2] windowMs for
 * "until the oldest grant leaves the window". Keeps the later of the current and the new hold.
 */
const HOLD_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[1])
if ms < 0 then
  local window = tonumber(ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if oldest[2] then ms = tonumber(oldest[2]) + window - now else ms = window end
end
if ms <= 0 then return 0 end
ms = math.ceil(ms)
local till = now + ms
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if till > cur then redis.call('SET', KEYS[1], till, 'PX', ms) end
return till
`;

interface BudgetCommands {
  plugboardUpstreamTake(window: string, hold: string, daily: string, requests: number, windowMs: number, quota: number, member: string): Promise<[number, number, string?]>;
  plugboardUpstreamHold(hold: string, window: string, ms: number, windowMs: number): Promise<number>;
}

/**
 * The budget shared by every process through Redis. Keys sit under the client's key prefix
 * (REDIS_PREFIX): `<namespace>:{<plugin>:<connectionId>}:window|hold|daily`, hash-tagged so a
 * connection's keys stay on one cluster slot.
 */
export class RedisRateBudget implements RateBudget {
  private readonly redis: Redis & BudgetCommands;
  private readonly instance = randomBytes(6).toString('hex');
  private seq = 0;

  constructor(redis: Redis, private readonly namespace = 'upstream') {
    if (!('plugboardUpstreamTake' in redis)) {
      redis.defineCommand('plugboardUpstreamTake', { numberOfKeys: 3, lua: TAKE_LUA });
      redis.defineCommand('plugboardUpstreamHold', { numberOfKeys: 2, lua: HOLD_LUA });
    }
    this.redis = redis as Redis & BudgetCommands;
  }

  async take(key: string, limits: BudgetLimits | null): Promise<BudgetDecision> {
    const k = this.keys(key);
    const [code, value, reason] = await this.redis.plugboardUpstreamTake(
      k.window, k.hold, k.daily, limits?.requests ?? 0, limits?.windowMs ?? 0, limits?.dailyQuota ?? 0, `${this.instance}:${++this.seq}`,
    );
    if (code === 1) return { kind: 'granted' };
    if (code === -1) return { kind: 'exhausted', resumeAt: Number(value) };
    return { kind: 'wait', waitMs: Number(value), reason: reason === 'hold' ? 'hold' : 'budget' };
  }

  async hold(key: string, ms: number | { windowFrees: number }): Promise<void> {
    const k = this.keys(key);
    await this.redis.plugboardUpstreamHold(k.hold, k.window, typeof ms === 'number' ? Math.max(0, ms) : -1, typeof ms === 'number' ? 0 : ms.windowFrees);
  }

  private keys(key: string): { window: string; hold: string; daily: string } {
    const base = `${this.namespace}:{${key}}`;
    return { window: `${base}:window`, hold: `${base}:hold`, daily: `${base}:daily` };
  }
}

/** The same rules for one process, when no Redis is at hand (a plugin's own tests, tools). */
export class InMemoryRateBudget implements RateBudget {
  private readonly state = new Map<string, { grants: number[]; hold: number; day: number; used: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, limits: BudgetLimits | null): Promise<BudgetDecision> {
    const now = this.now();
    const s = this.entry(key);
    if (s.hold > now) return { kind: 'wait', waitMs: s.hold - now, reason: 'hold' };
    const day = Math.floor(now / DAY_MS);
    if (s.day !== day) Object.assign(s, { day, used: 0 });
    const quota = limits?.dailyQuota ?? 0;
    if (quota > 0 && s.used >= quota) return { kind: 'exhausted', resumeAt: (day + 1) * DAY_MS };
    if (limits && limits.requests > 0) {
      while (s.grants.length && s.grants[0] <= now - limits.windowMs) s.grants.shift();
      if (s.grants.length >= limits.requests) return { kind: 'wait', waitMs: Math.max(1, s.grants[0] + limits.windowMs - now), reason: 'budget' };
      s.grants.push(now);
    }
    if (quota > 0) s.used++;
    return { kind: 'granted' };
  }

  async hold(key: string, ms: number | { windowFrees: number }): Promise<void> {
    const now = this.now();
    const s = this.entry(key);
    let wait = typeof ms === 'number' ? ms : ms.windowFrees;
    if (typeof ms !== 'number') {
      const live = s.grants.filter((g) => g > now - ms.windowFrees);
      if (live.length) wait = live[0] + ms.windowFrees - now;
    }
    if (wait > 0) s.hold = Math.max(s.hold, now + Math.ceil(wait));
  }

  private entry(key: string) {
    let s = this.state.get(key);
    if (!s) this.state.set(key, (s = { grants: [], hold: 0, day: 0, used: 0 }));
    return s;
  }
}
