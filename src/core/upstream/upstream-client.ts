import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Dispatcher, errors as undiciErrors } from 'undici';
import { stringify as toForm } from 'qs';
import {
  BrokenCircuitError, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, ExponentialBackoff, IBackoff, IBackoffFactory,
  IRetryBackoffContext, SamplingBreaker, circuitBreaker, handleWhen, retry, wrap,
} from 'cockatiel';
import { type AuthMethod, type PluginDefinition, UpstreamError, type UpstreamHttp, type UpstreamRequest, type UpstreamResponse } from '../plugin-sdk';
import { type BudgetLimits, InMemoryRateBudget, type RateBudget } from './rate-budget';
import { platformHold, retryAfterMs } from './rate-limit-headers';
import { CircuitOpenError, QuotaExhaustedError } from './upstream-errors';

export interface UpstreamTarget {
  /** rateLimit sets the connection's budget; rateLimitHeaders lets the platform's own counters hold calls */
  plugin: Pick<PluginDefinition, 'name' | 'defaultHeaders' | 'idempotencyHeader'> & Partial<Pick<PluginDefinition, 'rateLimit' | 'rateLimitHeaders'>>;
  connectionId: string;
  /** the connection's tenant, carried on the events the client causes (circuit changes) */
  tenantId?: string;
  baseUrl: string;
  auth?: AuthMethod;
  credentials: Readonly<Record<string, string>>;
  /** recording mode (a workflow's test run): writes are handed to it instead of being sent */
  recorder?: UpstreamRecorder;
}

/** A request exactly as the client would have sent it, credentials masked. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/**
 * Receives every request but GET of a client in recording mode, instead of the platform; what it
 * answers is what the caller gets. Reads still go out, so an action that looks something up first works.
 */
export interface UpstreamRecorder {
  record(request: RecordedRequest): UpstreamResponse;
}

/** What recorded credentials show instead of their value. */
export const RECORDED_SECRET = '[secret]';

export interface UpstreamPolicy {
  /** undici's headersTimeout and bodyTimeout (checked on a ~0.5 s clock) and, up to 10 s, the connect timeout */
  timeoutMs: number;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** the circuit opens when this share of calls fails within the sampling window */
  breakerThreshold: number;
  breakerWindowMs: number;
  breakerMinimumRps: number;
  halfOpenAfterMs: number;
  /**
   * added to every budget window: the platform counts calls when they arrive, we count them when we
   * grant them, and the gap (a new connection, a TLS handshake) must never tip the platform's window over
   */
  rateWindowMarginMs: number;
  /** the longest a call sleeps for a hold (Retry-After, exhausted platform counter); longer ones raise QuotaExhaustedError */
  maxThrottleWaitMs: number;
}

export const DEFAULT_UPSTREAM_POLICY: UpstreamPolicy = {
  timeoutMs: 30_000,
  maxAttempts: 6,
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  breakerThreshold: 0.5,
  breakerWindowMs: 30_000,
  breakerMinimumRps: 1,
  halfOpenAfterMs: 10_000,
  rateWindowMarginMs: 100,
  maxThrottleWaitMs: 120_000,
};

export interface UpstreamEventBase {
  plugin: string;
  connectionId: string;
  /** set when the target names its tenant */
  tenantId?: string;
}

export type CircuitStateName = 'open' | 'half_open' | 'closed';

/** One attempt that reached (or tried to reach) the platform. */
export interface UpstreamCallEvent extends UpstreamEventBase {
  method: string;
  /** the HTTP status, or 'error' when no answer came (then `error` says why) */
  status: number | 'error';
  durationMs: number;
  attempt: number;
  error?: 'timeout' | 'network';
}

/** What the client reports; monitoring and the connection state machine subscribe. Called on the hot path: keep handlers cheap. */
export interface UpstreamObserver {
  onCall?(e: UpstreamCallEvent): void;
  /** the work must pause: the circuit is open (the call failed fast), or the quota is used up (before the call, or the platform asked for a long pause) */
  onRejected?(e: UpstreamEventBase & { reason: 'circuit_open' | 'quota_exhausted' }): void;
  /** a failed attempt is retried after waitMs (Retry-After on a 429, backoff otherwise) */
  onRetryWait?(e: UpstreamEventBase & { waitMs: number; reason: '429' | '5xx' | 'network' }): void;
  /** an attempt waits before it may call: the budget is spent ('budget') or the connection is held ('hold') */
  onThrottled?(e: UpstreamEventBase & { waitMs: number; reason: 'budget' | 'hold' }): void;
  onCircuitChange?(e: UpstreamEventBase & { state: CircuitStateName }): void;
}

/**
 * An upstream answer that may succeed if tried again, with how long the platform asked us to wait;
 * `replayable` false when the request may have been applied (a POST that got a 5xx).
 */
class RetryableUpstreamError extends UpstreamError {
  constructor(status: number, body: unknown, plugin: string, readonly retryAfterMs: number | null, readonly replayable = true) {
    super(status, body, plugin);
  }
}

class NetworkError extends Error {
  constructor(message: string, readonly replayable: boolean) {
    super(message);
  }
}

/** How much later than our own window a platform's window (counted on arrival) may free. */
const WINDOW_MARGIN_MS = 50;

/** Requests that may be sent twice without doing twice what they do. */
const IDEMPOTENT_METHODS = new Set(['GET', 'PUT', 'DELETE']);
/** Failures that happen before a request is sent: nothing reached the platform, so any request may go again. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Backoff that obeys Retry-After when the platform sends one, and jittered exponential otherwise. */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(private readonly fallback: IBackoffFactory<IRetryBackoffContext<unknown>>, private readonly onWait: (ms: number, err: unknown) => void) {}
  next(ctx: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const inner = this.fallback.next(ctx);
    const err = 'error' in ctx.result ? ctx.result.error : undefined;
    const asked = err instanceof RetryableUpstreamError ? err.retryAfterMs : null;
    const duration = asked ?? inner.duration;
    this.onWait(duration, err);
    return { duration, next: (c) => new RetryAfterBackoff(inner, this.onWait).next(c) };
  }
}

/**
 * Builds the HTTP client a plugin gets for one connection. One instance per process holds the
 * connection pool and a circuit breaker per connection; the rate budget, daily quota and holds live
 * in the RateBudget (Redis in the app, so every process shares them). It never names a platform.
 *
 * Each attempt: the circuit lets it through (or CircuitOpenError) -> it takes a call from the budget,
 * sleeping while the window is full or the connection is held (or QuotaExhaustedError) -> the call.
 * Answers that ask for a pause (Retry-After, a rate-limit counter at 0) hold the whole connection.
 */
export class UpstreamClientFactory {
  private readonly dispatcher: Dispatcher;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  /** when each connection's circuit last opened, so an open-circuit error can say when the probe goes through */
  private readonly openedAt = new Map<string, number>();

  constructor(
    private readonly policy: UpstreamPolicy = DEFAULT_UPSTREAM_POLICY,
    private readonly observer: UpstreamObserver = {},
    private readonly budget: RateBudget = new InMemoryRateBudget(),
  ) {
    const timeout = policy.timeoutMs;
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64, headersTimeout: timeout, bodyTimeout: timeout, connect: { timeout: Math.min(timeout, 10_000) } });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  circuitState(connectionId: string): CircuitStateName {
    const b = this.breakers.get(connectionId);
    return b ? stateName(b.state) : 'closed';
  }

  create(target: UpstreamTarget): UpstreamHttp {
    const p = this.policy;
    const name = target.plugin.name;
    const base = eventBase(target);
    const retryPolicy = retry(
      // a POST or PATCH that may have been applied is not sent again unless an idempotency key makes that safe
      handleWhen((e) => (e instanceof RetryableUpstreamError || e instanceof NetworkError) && e.replayable),
      {
        maxAttempts: p.maxAttempts - 1,
        backoff: new RetryAfterBackoff(new ExponentialBackoff({ initialDelay: p.initialBackoffMs, maxDelay: p.maxBackoffMs }), (waitMs, err) =>
          this.observer.onRetryWait?.({
            ...base, waitMs,
            reason: err instanceof RetryableUpstreamError ? (err.status === 429 ? '429' : '5xx') : 'network',
          }),
        ),
      },
    );
    const policy = wrap(retryPolicy, this.breaker(target));
    const http: UpstreamHttp = {
      request: <T>(req: UpstreamRequest) => {
        if (target.recorder && (req.method ?? 'GET') !== 'GET') return Promise.resolve(this.record(target, target.recorder, req) as UpstreamResponse<T>);
        let attempt = 0;
        return policy.execute(async () => {
          await this.acquire(target);
          return this.once<T>(target, req, ++attempt);
        }).catch((e: unknown) => {
          if (e instanceof BrokenCircuitError) {
            this.observer.onRejected?.({ ...base, reason: 'circuit_open' });
            throw new CircuitOpenError(name, target.connectionId, this.probeAt(target.connectionId));
          }
          if (e instanceof NetworkError) throw new UpstreamError(0, null, name, e.message);
          throw e;
        });
      },
      get: async <T>(path: string, query?: UpstreamRequest['query']) => (await http.request<T>({ path, query })).body,
    };
    return http;
  }

  private breaker(target: UpstreamTarget): CircuitBreakerPolicy {
    let b = this.breakers.get(target.connectionId);
    if (b) return b;
    const p = this.policy;
    b = circuitBreaker(
      // the platform's health: 5xx and no answer. A 4xx is the caller's fault, and a 429 is the platform
      // working as documented (Retry-After holds the connection instead)
      handleWhen((e) => (e instanceof RetryableUpstreamError && e.status !== 429) || e instanceof NetworkError),
      {
        halfOpenAfter: p.halfOpenAfterMs,
        breaker: p.breakerMinimumRps > 0
          ? new SamplingBreaker({ threshold: p.breakerThreshold, duration: p.breakerWindowMs, minimumRps: p.breakerMinimumRps })
          : new ConsecutiveBreaker(5),
      },
    );
    b.onStateChange((s) => {
      const state = stateName(s);
      if (state === 'open') this.openedAt.set(target.connectionId, Date.now());
      this.observer.onCircuitChange?.({ ...eventBase(target), state });
    });
    this.breakers.set(target.connectionId, b);
    return b;
  }

  /** When the open circuit of a connection lets its next (half-open) call through. */
  private probeAt(connectionId: string): Date {
    return new Date((this.openedAt.get(connectionId) ?? Date.now()) + this.policy.halfOpenAfterMs);
  }

  /** Takes one call from the connection's budget, sleeping while the window is full or the connection is held. */
  private async acquire(target: UpstreamTarget): Promise<void> {
    const key = budgetKey(target);
    const limits = budgetLimits(target, this.policy);
    for (;;) {
      const d = await this.budget.take(key, limits);
      if (d.kind === 'granted') return;
      if (d.kind === 'exhausted' || d.waitMs > this.policy.maxThrottleWaitMs) this.observer.onRejected?.({ ...eventBase(target), reason: 'quota_exhausted' });
      if (d.kind === 'exhausted') throw new QuotaExhaustedError(target.plugin.name, target.connectionId, new Date(d.resumeAt), 'daily_quota');
      if (d.waitMs > this.policy.maxThrottleWaitMs) {
        throw new QuotaExhaustedError(target.plugin.name, target.connectionId, new Date(Date.now() + d.waitMs), 'platform_pause');
      }
      this.observer.onThrottled?.({ ...eventBase(target), waitMs: d.waitMs, reason: d.reason });
      // a little jitter so callers woken together do not all race for the same freed slot
      await sleep(d.waitMs + Math.random() * 5);
    }
  }

  /** Holds the connection when the answer asks for a pause: Retry-After on a 429, or the platform's counter at 0. */
  private async holdFor(target: UpstreamTarget, status: number, headers: Readonly<Record<string, string>>): Promise<number | null> {
    const key = budgetKey(target);
    const asked = status === 429 ? retryAfterMs(headers['retry-after']) : null;
    if (asked) await this.budget.hold(key, asked);
    const counter = platformHold(target.plugin.rateLimitHeaders, headers);
    // our window counts a call when it is granted, the platform's when it arrives a little later: keep a margin
    if (counter === 'window') await this.budget.hold(key, { windowFrees: budgetWindowMs(target, this.policy) + WINDOW_MARGIN_MS });
    else if (counter && counter.ms > 0) await this.budget.hold(key, counter.ms);
    return asked;
  }

  private async once<T>(target: UpstreamTarget, req: UpstreamRequest, attempt: number): Promise<UpstreamResponse<T>> {
    const started = performance.now();
    const { url, headers, body } = this.build(target, req);
    const method = req.method ?? 'GET';
    const replayable = IDEMPOTENT_METHODS.has(method) || (!!req.idempotencyKey && !!target.plugin.idempotencyHeader);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({ origin: url.origin, path: url.pathname + url.search, method, headers, body });
    } catch (e) {
      const timeout = e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError;
      this.observer.onCall?.({ ...eventBase(target), method, status: 'error', durationMs: performance.now() - started, attempt, error: timeout ? 'timeout' : 'network' });
      const unsent = UNSENT_CODES.has((e as { code?: string }).code ?? '');
      throw new NetworkError(`${target.plugin.name} ${timeout ? 'timed out' : 'unreachable'}: ${(e as Error).message}`, replayable || unsent);
    }
    const text = await res.body.text();
    const resHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    const parsed = parseBody(text, resHeaders['content-type']);
    this.observer.onCall?.({ ...eventBase(target), method, status: res.statusCode, durationMs: performance.now() - started, attempt });
    const asked = await this.holdFor(target, res.statusCode, resHeaders);
    if (res.statusCode === 429 && asked !== null && asked > this.policy.maxThrottleWaitMs) {
      // a pause this long is a quota, not a blip: the work resumes later instead of a call sleeping for it
      this.observer.onRejected?.({ ...eventBase(target), reason: 'quota_exhausted' });
      throw new QuotaExhaustedError(target.plugin.name, target.connectionId, new Date(Date.now() + asked), 'platform_pause');
    }
    if (res.statusCode === 429 || res.statusCode >= 500) {
      // a 429 was refused, not applied: it may always go again
      throw new RetryableUpstreamError(res.statusCode, parsed, target.plugin.name, asked, replayable || res.statusCode === 429);
    }
    if (res.statusCode >= 400) throw new UpstreamError(res.statusCode, parsed, target.plugin.name);
    return { status: res.statusCode, headers: resHeaders, body: parsed as T };
  }

  /** Builds the request as it would go out, with every credential masked, and hands it to the recorder. */
  private record(target: UpstreamTarget, recorder: UpstreamRecorder, req: UpstreamRequest): UpstreamResponse {
    const masked = Object.fromEntries(Object.keys(target.credentials).map((k) => [k, RECORDED_SECRET]));
    const { url, headers, body } = this.build({ ...target, credentials: masked }, req);
    const text = body === undefined ? null : typeof body === 'string' ? body : `<${body.byteLength} bytes>`;
    return recorder.record({ method: req.method ?? 'GET', url: url.toString(), headers, body: text });
  }

  private build(target: UpstreamTarget, req: UpstreamRequest): { url: URL; headers: Record<string, string>; body?: string | Uint8Array } {
    const url = new URL(target.baseUrl + (req.path.startsWith('/') ? req.path : `/${req.path}`));
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Plugboard/0.1', ...target.plugin.defaultHeaders, ...req.headers };
    applyAuth(target.auth, target.credentials, headers, url);
    if (req.idempotencyKey && target.plugin.idempotencyHeader) headers[target.plugin.idempotencyHeader] = req.idempotencyKey;
    let body: string | Uint8Array | undefined;
    if (req.body !== undefined) {
      body = req.body;
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.form !== undefined) {
      body = toForm(req.form, { arrayFormat: 'indices', encodeValuesOnly: false });
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    return { url, headers, body };
  }
}

function fill(template: string, credentials: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, f: string) => credentials[f] ?? '');
}

/** Puts the connection's credentials where the plugin's auth method says they go. */
export function applyAuth(auth: AuthMethod | undefined, credentials: Readonly<Record<string, string>>, headers: Record<string, string>, url: URL): void {
  if (!auth || auth.kind === 'none') return;
  if (auth.kind === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${credentials[auth.username] ?? ''}:${credentials[auth.password] ?? ''}`).toString('base64')}`;
    return;
  }
  const injections = auth.kind === 'oauth2' ? (auth.inject ?? [{ in: 'header', name: 'Authorization', value: 'Bearer {accessToken}' }]) : auth.inject;
  for (const i of injections) {
    if (i.in === 'header') headers[i.name.toLowerCase()] = fill(i.value, credentials);
    else url.searchParams.set(i.name, fill(i.value, credentials));
  }
}

function stateName(s: CircuitState): CircuitStateName {
  return s === CircuitState.Open || s === CircuitState.Isolated ? 'open' : s === CircuitState.HalfOpen ? 'half_open' : 'closed';
}

function eventBase(target: UpstreamTarget): UpstreamEventBase {
  return { plugin: target.plugin.name, connectionId: target.connectionId, ...(target.tenantId ? { tenantId: target.tenantId } : {}) };
}

function budgetKey(target: UpstreamTarget): string {
  return `${target.plugin.name}:${target.connectionId}`;
}

function budgetWindowMs(target: UpstreamTarget, policy: UpstreamPolicy): number {
  return (target.plugin.rateLimit?.perSeconds ?? 1) * 1000 + policy.rateWindowMarginMs;
}

/** The plugin's documented limit as a budget; a plugin that declares none is only held, never metered. */
function budgetLimits(target: UpstreamTarget, policy: UpstreamPolicy): BudgetLimits | null {
  const rl = target.plugin.rateLimit;
  if (!rl) return null;
  return { requests: rl.requests, windowMs: budgetWindowMs(target, policy), dailyQuota: rl.dailyQuota };
}

function parseBody(text: string, contentType = ''): unknown {
  if (!text) return null;
  if (contentType.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
