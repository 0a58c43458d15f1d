import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import type Redis from 'ioredis';
import { createTestRedisPrefix } from '../../../test/support/test-database';
import { ConfigModule, parseConfig, type PlugboardConfig } from '../config';
import { EventBus, EventsModule, type PlatformEvent } from '../events';
import { UpstreamError, type UpstreamHttp } from '../plugin-sdk';
import { createRedis, RedisModule } from '../redis';
import { RedisRateBudget } from './rate-budget';
import {
  DEFAULT_UPSTREAM_POLICY, UpstreamClientFactory, type UpstreamObserver, type UpstreamPolicy, type UpstreamTarget,
} from './upstream-client';
import { CircuitOpenError, QuotaExhaustedError } from './upstream-errors';
import { UPSTREAM_RETRY_WAIT_EVENT } from './upstream-events.observer';
import { UPSTREAM_POLICY, UpstreamModule } from './upstream.module';

/** One call as the fake platform saw it, stamped on arrival. */
interface Arrival {
  at: number;
  proc: string;
  status: number;
}

/**
 * A tiny platform on loopback: records every call on arrival and answers with injected faults.
 * The 429s and 500s are deterministic (every 5th call a 429; every 20th, from the 3rd, a 500) so a test always
 * exercises them; an optional fixed-window counter reports itself in rate-limit headers.
 */
class FakePlatform {
  readonly calls: Arrival[] = [];
  faults: { every429?: number; every500?: number; retryAfterSeconds?: number; down?: boolean; latencyMs?: number } = {};
  counter?: { limit: number; windowMs: number; start: number; used: number };
  url = '';
  private server?: Server;
  private seen = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const at = Date.now();
      const n = ++this.seen;
      const f = this.faults;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      let status = 200;
      if (f.down) status = 503;
      else if (f.every429 && n % f.every429 === 0) {
        status = 429;
        headers['retry-after'] = String(f.retryAfterSeconds ?? 1);
      } else if (f.every500 && n % f.every500 === 3) status = 500;
      else if (this.counter) {
        const c = this.counter;
        if (at - c.start >= c.windowMs) Object.assign(c, { start: at, used: 0 });
        c.used++;
        if (c.used > c.limit) status = 429;
        headers['x-rl-remaining'] = String(Math.max(0, c.limit - c.used));
        headers['x-rl-reset'] = String(c.start + c.windowMs);
      }
      this.calls.push({ at, proc: String(req.headers['x-proc'] ?? ''), status });
      const body = JSON.stringify(status === 200 ? { ok: true, n } : { error: status });
      setTimeout(() => res.writeHead(status, headers).end(body), f.latencyMs ?? 0);
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const FAST: UpstreamPolicy = { ...DEFAULT_UPSTREAM_POLICY, initialBackoffMs: 5, maxBackoffMs: 50 };

/** The most calls that arrived within any `windowMs` (a window starting at each arrival). */
function busiestWindow(ats: number[], windowMs: number): number {
  const sorted = [...ats].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/** Runs `count` calls through `workers` concurrent loops. */
async function pool<T>(count: number, workers: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

describe('upstream client against a shared Redis', () => {
  const redisPrefix = createTestRedisPrefix('upstream');
  const config: PlugboardConfig = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', REDIS_PREFIX: redisPrefix.prefix });
  const clients: Redis[] = [];
  const factories: UpstreamClientFactory[] = [];
  let platform: FakePlatform;
  let seq = 0;

  /** One "process": its own Redis connection, budget store and connection pool, sharing the Redis keys of the others. */
  function process_(policy: Partial<UpstreamPolicy> = {}, observer: UpstreamObserver = {}): UpstreamClientFactory {
    const redis = createRedis(config, 'core');
    clients.push(redis);
    const f = new UpstreamClientFactory({ ...FAST, ...policy }, observer, new RedisRateBudget(redis));
    factories.push(f);
    return f;
  }

  function target(plugin: Partial<UpstreamTarget['plugin']>, connectionId: string): UpstreamTarget {
    return { plugin: { name: 'acme', ...plugin }, connectionId, tenantId: 'tenant-1', baseUrl: platform.url, credentials: {} };
  }

  const call = (http: UpstreamHttp, proc: string) => http.request<{ ok: boolean }>({ path: '/items', headers: { 'x-proc': proc } });

  beforeEach(async () => {
    platform = await new FakePlatform().start();
  });

  afterEach(async () => {
    await Promise.all(factories.splice(0).map((f) => f.close()));
    await platform.close();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    await redisPrefix.purge();
  });

  it('(a) two processes share one budget: 60 calls at 20/s never exceed 20 in any second at the platform', async () => {
    const conn = `conn-${++seq}`;
    const throttled: number[] = [];
    const observer: UpstreamObserver = { onThrottled: (e) => e.reason === 'budget' && throttled.push(e.waitMs) };
    const plugin = { rateLimit: { requests: 20, perSeconds: 1 } };
    // the margin covers the spread between a grant and its arrival (the first burst opens 20 new connections)
    const a = process_({ rateWindowMarginMs: 150 }, observer).create(target(plugin, conn));
    const b = process_({ rateWindowMarginMs: 150 }, observer).create(target(plugin, conn));

    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => call(i % 2 ? a : b, i % 2 ? 'A' : 'B')));
    const elapsed = Date.now() - started;

    expect(results.every((r) => r.status === 200)).toBe(true);
    const ats = platform.calls.map((c) => c.at);
    expect(ats).toHaveLength(60);
    expect(new Set(platform.calls.map((c) => c.proc))).toEqual(new Set(['A', 'B']));
    // the distribution the platform saw: never more than the budget in any one-second window...
    expect(busiestWindow(ats, 1000)).toBeLessThanOrEqual(20);
    // ...and the budget was used, not starved: the first second carried a full 20
    expect(busiestWindow(ats, 1000)).toBe(20);
    // 60 calls at 20 per second need three windows: the last starts two windows after the first
    expect(Math.max(...ats) - Math.min(...ats)).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(throttled.length).toBeGreaterThan(0);
    // the budget lives in Redis under the configured prefix, keyed by plugin and connection
    const probe = createRedis(config, 'probe', { keyPrefix: '' });
    try {
      expect(await probe.exists(`${redisPrefix.prefix}:core:upstream:{acme:${conn}}:window`)).toBe(1);
    } finally {
      probe.disconnect();
    }
  });

  it('(b) 20% 429 with Retry-After 1 s and 5% 500: every call succeeds, none arrives while a Retry-After runs, waits are recorded', async () => {
    // each answer takes 100 ms, so the two processes' calls interleave in rounds the test can reason about
    const latencyMs = 100;
    platform.faults = { every429: 5, every500: 20, retryAfterSeconds: 1, latencyMs };
    const conn = `conn-${++seq}`;
    const waits: { waitMs: number; reason: string }[] = [];
    const holds: number[] = [];
    const observer: UpstreamObserver = {
      onRetryWait: (e) => waits.push({ waitMs: e.waitMs, reason: e.reason }),
      onThrottled: (e) => e.reason === 'hold' && holds.push(e.waitMs),
    };
    const plugin = { rateLimit: { requests: 1000, perSeconds: 1 } };
    const a = process_({ maxAttempts: 10 }, observer).create(target(plugin, conn));
    const b = process_({ maxAttempts: 10 }, observer).create(target(plugin, conn));

    const results = await pool(12, 2, (i) => call(i % 2 ? a : b, i % 2 ? 'A' : 'B'));

    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const limited = platform.calls.filter((c) => c.status === 429);
    const failed = platform.calls.filter((c) => c.status === 500);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    // No call arrives while a 429's Retry-After runs. The one exception is a call the other process
    // was granted before the 429's answer reached anyone (it lands within one answer's latency):
    // nothing can recall a request already on the wire.
    const inFlight = latencyMs + 60;
    for (const r of limited) {
      const early = platform.calls.filter((c) => c.at > r.at + inFlight && c.at < r.at + 1000);
      expect({ after429At: r.at, early }).toEqual({ after429At: r.at, early: [] });
    }
    // every 429 was waited out for its Retry-After, every 500 backed off, and the other process was held
    expect(waits.filter((w) => w.reason === '429')).toEqual(limited.map(() => ({ waitMs: 1000, reason: '429' })));
    expect(waits.filter((w) => w.reason === '5xx')).toHaveLength(failed.length);
    expect(holds.length).toBeGreaterThan(0);
    expect(holds.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
  });

  describe('(c) the circuit breaker, wired through the UpstreamModule', () => {
    let app: INestApplicationContext;
    const events: PlatformEvent[] = [];

    beforeEach(async () => {
      events.length = 0;
      const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), RedisModule, EventsModule, UpstreamModule] })
        .overrideProvider(UPSTREAM_POLICY)
        .useValue({ ...FAST, maxAttempts: 2, breakerThreshold: 0.5, breakerWindowMs: 1000, breakerMinimumRps: 2, halfOpenAfterMs: 300 })
        .compile();
      app = await moduleRef.init();
      app.get(EventBus).on('*', (e) => void (e.type.startsWith('upstream.') && events.push(e)));
    });

    afterEach(async () => {
      await app.close();
    });

    it('opens on failures, stops calling, probes after the half-open delay and closes on success, with events', async () => {
      const factory = app.get(UpstreamClientFactory);
      const conn = `conn-${++seq}`;
      const http = factory.create(target({ rateLimit: { requests: 1000, perSeconds: 1 } }, conn));
      const data = { plugin: 'acme', connectionId: conn };
      platform.faults = { down: true };

      let first: unknown;
      for (let i = 0; i < 10 && !(first instanceof CircuitOpenError); i++) first = await call(http, 'A').catch((e: unknown) => e);
      expect(first).toBeInstanceOf(CircuitOpenError);
      expect(first).toMatchObject({ status: 503, plugin: 'acme', connectionId: conn });
      // it says when the half-open probe goes through, so work can pause until then
      const retryIn = (first as CircuitOpenError).retryAt.getTime() - Date.now();
      expect(retryIn).toBeGreaterThan(0);
      expect(retryIn).toBeLessThanOrEqual(300);
      expect(factory.circuitState(conn)).toBe('open');
      const reached = platform.calls.length;
      expect(reached).toBeGreaterThanOrEqual(2);

      // while open, calls fail fast and never reach the platform
      const blocked = await Promise.all(Array.from({ length: 20 }, () => call(http, 'A').catch((e: unknown) => e)));
      expect(blocked.every((e) => e instanceof CircuitOpenError)).toBe(true);
      expect(platform.calls).toHaveLength(reached);

      // a probe while still down reopens the circuit after exactly one call
      await sleep(350);
      await expect(call(http, 'A')).rejects.toBeInstanceOf(UpstreamError);
      expect(platform.calls).toHaveLength(reached + 1);
      expect(factory.circuitState(conn)).toBe('open');

      // the platform recovers: the next probe closes the circuit and calls flow again
      platform.faults = {};
      await sleep(350);
      await expect(call(http, 'A')).resolves.toMatchObject({ status: 200 });
      expect(factory.circuitState(conn)).toBe('closed');
      await expect(Promise.all([call(http, 'A'), call(http, 'A')])).resolves.toHaveLength(2);

      await sleep(10); // the bus delivers on a later tick
      const circuit = events.filter((e) => e.type.startsWith('upstream.circuit_'));
      expect(circuit.map((e) => e.type)).toEqual([
        'upstream.circuit_opened', 'upstream.circuit_half_opened', 'upstream.circuit_opened', 'upstream.circuit_half_opened', 'upstream.circuit_closed',
      ]);
      expect(circuit.every((e) => e.tenantId === 'tenant-1' && JSON.stringify(e.data) === JSON.stringify(data))).toBe(true);
      // the retries before the circuit opened were reported too, for the sync runs that count them
      const retried = events.filter((e) => e.type === UPSTREAM_RETRY_WAIT_EVENT);
      expect(retried.length).toBeGreaterThan(0);
      expect(retried[0]).toMatchObject({ tenantId: 'tenant-1', data: { ...data, reason: '5xx', waitMs: expect.any(Number) } });
      expect(events).toHaveLength(circuit.length + retried.length);
    });
  });

  it('(d) an exhausted daily quota raises QuotaExhaustedError with the next UTC midnight, in every process', async () => {
    const conn = `conn-${++seq}`;
    const plugin = { rateLimit: { requests: 1000, perSeconds: 1, dailyQuota: 5 } };
    const a = process_().create(target(plugin, conn));
    const b = process_().create(target(plugin, conn));
    for (let i = 0; i < 5; i++) await call(i % 2 ? a : b, 'x');

    const midnight = new Date(Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000);
    for (const http of [a, b]) {
      const err = await call(http, 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuotaExhaustedError);
      expect(err).toMatchObject({ reason: 'daily_quota', connectionId: conn, resumeAt: midnight });
    }
    expect(platform.calls).toHaveLength(5);
    // another connection has its own quota
    await expect(call(process_().create(target(plugin, `conn-${++seq}`)), 'x')).resolves.toMatchObject({ status: 200 });
  });

  it.each([
    ['names its reset', { remaining: 'X-RL-Remaining', reset: 'X-RL-Reset' }],
    ['names no reset (held until the window frees)', { remaining: 'X-RL-Remaining' }],
  ])('(e) a platform counter at 0 that %s holds every process: no 429 is ever provoked', async (_, rateLimitHeaders) => {
    platform.counter = { limit: 4, windowMs: 700, start: 0, used: 0 };
    const conn = `conn-${++seq}`;
    // the documented limit is far above the platform's counter: only the headers can keep the calls under it
    const plugin = { rateLimit: { requests: 1000, perSeconds: 0.7 }, rateLimitHeaders };
    const a = process_().create(target(plugin, conn));
    const b = process_().create(target(plugin, conn));

    // sequential calls alternating between the processes: the one after a "remaining: 0" answer must wait for the reset
    for (let i = 0; i < 10; i++) await call(i % 2 ? a : b, i % 2 ? 'A' : 'B');

    expect(platform.calls.map((c) => c.status)).toEqual(Array(10).fill(200));
    // calls 5 and 9 come right after a window's 4th call answered remaining 0: each arrived a window later
    for (const i of [4, 8]) expect(platform.calls[i].at - platform.calls[i - 4].at).toBeGreaterThanOrEqual(700);
  });

  it('(d2) a Retry-After longer than a call should sleep pauses the work (QuotaExhaustedError) in every process', async () => {
    platform.faults = { every429: 1, retryAfterSeconds: 3600 };
    const conn = `conn-${++seq}`;
    const plugin = { rateLimit: { requests: 1000, perSeconds: 1 } };
    const a = process_({ maxThrottleWaitMs: 60_000 }).create(target(plugin, conn));
    const b = process_({ maxThrottleWaitMs: 60_000 }).create(target(plugin, conn));
    const before = Date.now();
    for (const http of [a, b]) {
      const err = (await call(http, 'x').catch((e: unknown) => e)) as QuotaExhaustedError;
      expect(err).toBeInstanceOf(QuotaExhaustedError);
      expect(err.reason).toBe('platform_pause');
      expect(err.resumeAt.getTime() - before).toBeGreaterThanOrEqual(3_599_000);
      expect(err.resumeAt.getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
    }
    // the second process never called: the first one's 429 held the connection for both
    expect(platform.calls).toHaveLength(1);
  });

  it('(f) times out a platform that does not answer within timeoutMs', async () => {
    // undici checks headersTimeout and bodyTimeout on a coarse (~0.5 s) clock: give it room
    platform.faults = { latencyMs: 2500 };
    const http = process_({ timeoutMs: 200, maxAttempts: 1 }).create(target({}, `conn-${++seq}`));
    const started = Date.now();
    const err = await call(http, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ status: 0, message: expect.stringContaining('timed out') });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('(g) sends a request that may have been applied once: a POST is retried only on a 429, with an idempotency key, or when it never left', async () => {
    platform.faults = { down: true };
    const http = (plugin: Partial<UpstreamTarget['plugin']> = {}) => process_({ maxAttempts: 3, breakerMinimumRps: 1000 }).create(target(plugin, `conn-${++seq}`));
    const arrivals = async (req: Parameters<UpstreamHttp['request']>[0], plugin: Partial<UpstreamTarget['plugin']> = {}) => {
      const before = platform.calls.length;
      const err = await http(plugin).request(req).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 503 });
      return platform.calls.length - before;
    };
    expect(await arrivals({ method: 'POST', path: '/items', json: { name: 'once' } })).toBe(1);
    expect(await arrivals({ method: 'PATCH', path: '/items/1', json: { name: 'once' } })).toBe(1);
    // a key the platform does not understand makes nothing safe
    expect(await arrivals({ method: 'POST', path: '/items', json: {}, idempotencyKey: 'k-1' })).toBe(1);
    expect(await arrivals({ method: 'POST', path: '/items', json: {}, idempotencyKey: 'k-2' }, { idempotencyHeader: 'Idempotency-Key' })).toBe(3);
    expect(await arrivals({ method: 'PUT', path: '/items/1', json: {} })).toBe(3);
    expect(await arrivals({ method: 'GET', path: '/items' })).toBe(3);

    platform.faults = { every429: 1, retryAfterSeconds: 0 };
    const before = platform.calls.length;
    await expect(http().request({ method: 'POST', path: '/items', json: {} })).rejects.toMatchObject({ status: 429 });
    expect(platform.calls.length - before).toBe(3);

    // refused before it was sent: nothing reached the platform, so it goes again
    const attempts: number[] = [];
    const nowhere = process_({ maxAttempts: 3 }, { onCall: (e) => void attempts.push(e.attempt) }).create({ ...target({}, `conn-${++seq}`), baseUrl: 'http://127.0.0.1:1' });
    await expect(nowhere.request({ method: 'POST', path: '/items', json: {} })).rejects.toMatchObject({ status: 0 });
    expect(attempts).toEqual([1, 2, 3]);
  });
});
