import { Agent, Dispatcher, errors as undiciErrors } from 'undici';
import { stringify as toForm } from 'qs';
import {
  BrokenCircuitError, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, ExponentialBackoff, IBackoff, IBackoffFactory,
  IRetryBackoffContext, SamplingBreaker, circuitBreaker, handleWhen, retry, wrap,
} from 'cockatiel';
import { type AuthMethod, type PluginDefinition, UpstreamError, type UpstreamHttp, type UpstreamRequest, type UpstreamResponse } from '../plugin-sdk';

export interface UpstreamTarget {
  plugin: Pick<PluginDefinition, 'name' | 'defaultHeaders' | 'idempotencyHeader'>;
  connectionId: string;
  baseUrl: string;
  auth?: AuthMethod;
  credentials: Readonly<Record<string, string>>;
}

export interface UpstreamPolicy {
  timeoutMs: number;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** the circuit opens when this share of calls fails within the sampling window */
  breakerThreshold: number;
  breakerWindowMs: number;
  breakerMinimumRps: number;
  halfOpenAfterMs: number;
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
};

/** What the client reports; monitoring and the connection state machine subscribe. */
export interface UpstreamObserver {
  onCall?(e: { plugin: string; connectionId: string; method: string; status: number | 'error'; durationMs: number; attempt: number }): void;
  onRetryWait?(e: { plugin: string; connectionId: string; waitMs: number; reason: '429' | '5xx' | 'network' }): void;
  onCircuitChange?(e: { plugin: string; connectionId: string; state: 'open' | 'half_open' | 'closed' }): void;
}

/** An upstream answer that may succeed if tried again, with how long the platform asked us to wait. */
class RetryableUpstreamError extends UpstreamError {
  constructor(status: number, body: unknown, plugin: string, readonly retryAfterMs: number | null) {
    super(status, body, plugin);
  }
}

class NetworkError extends Error {}

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
 * connection pool and a circuit breaker per connection; it never names a platform.
 */
export class UpstreamClientFactory {
  private readonly dispatcher: Dispatcher;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(
    private readonly policy: UpstreamPolicy = DEFAULT_UPSTREAM_POLICY,
    private readonly observer: UpstreamObserver = {},
  ) {
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64, headersTimeout: policy.timeoutMs, bodyTimeout: policy.timeoutMs });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  circuitState(connectionId: string): 'open' | 'half_open' | 'closed' {
    const b = this.breakers.get(connectionId);
    if (!b) return 'closed';
    return b.state === CircuitState.Open || b.state === CircuitState.Isolated ? 'open' : b.state === CircuitState.HalfOpen ? 'half_open' : 'closed';
  }

  create(target: UpstreamTarget): UpstreamHttp {
    const p = this.policy;
    const name = target.plugin.name;
    const retryPolicy = retry(
      handleWhen((e) => e instanceof RetryableUpstreamError || e instanceof NetworkError),
      {
        maxAttempts: p.maxAttempts - 1,
        backoff: new RetryAfterBackoff(new ExponentialBackoff({ initialDelay: p.initialBackoffMs, maxDelay: p.maxBackoffMs }), (waitMs, err) =>
          this.observer.onRetryWait?.({
            plugin: name, connectionId: target.connectionId, waitMs,
            reason: err instanceof RetryableUpstreamError ? (err.status === 429 ? '429' : '5xx') : 'network',
          }),
        ),
      },
    );
    const policy = wrap(retryPolicy, this.breaker(target));
    const http: UpstreamHttp = {
      request: <T>(req: UpstreamRequest) => {
        let attempt = 0;
        return policy.execute(() => this.once<T>(target, req, ++attempt)).catch((e: unknown) => {
          if (e instanceof BrokenCircuitError) throw new UpstreamError(503, null, name, `${name} circuit is open for connection ${target.connectionId}: calls are paused`);
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
      // 4xx other than 429 are the caller's fault, not the platform's health
      handleWhen((e) => e instanceof RetryableUpstreamError || e instanceof NetworkError),
      {
        halfOpenAfter: p.halfOpenAfterMs,
        breaker: p.breakerMinimumRps > 0
          ? new SamplingBreaker({ threshold: p.breakerThreshold, duration: p.breakerWindowMs, minimumRps: p.breakerMinimumRps })
          : new ConsecutiveBreaker(5),
      },
    );
    b.onStateChange((s) => {
      const state = s === CircuitState.Open || s === CircuitState.Isolated ? 'open' : s === CircuitState.HalfOpen ? 'half_open' : 'closed';
      this.observer.onCircuitChange?.({ plugin: target.plugin.name, connectionId: target.connectionId, state });
    });
    this.breakers.set(target.connectionId, b);
    return b;
  }

  private async once<T>(target: UpstreamTarget, req: UpstreamRequest, attempt: number): Promise<UpstreamResponse<T>> {
    const started = performance.now();
    const { url, headers, body } = this.build(target, req);
    const method = req.method ?? 'GET';
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({ origin: url.origin, path: url.pathname + url.search, method, headers, body });
    } catch (e) {
      this.observer.onCall?.({ plugin: target.plugin.name, connectionId: target.connectionId, method, status: 'error', durationMs: performance.now() - started, attempt });
      const timeout = e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError;
      throw new NetworkError(`${target.plugin.name} ${timeout ? 'timed out' : 'unreachable'}: ${(e as Error).message}`);
    }
    const text = await res.body.text();
    const resHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    const parsed = parseBody(text, resHeaders['content-type']);
    this.observer.onCall?.({ plugin: target.plugin.name, connectionId: target.connectionId, method, status: res.statusCode, durationMs: performance.now() - started, attempt });
    if (res.statusCode === 429 || res.statusCode >= 500) {
      throw new RetryableUpstreamError(res.statusCode, parsed, target.plugin.name, retryAfterMs(resHeaders['retry-after']));
    }
    if (res.statusCode >= 400) throw new UpstreamError(res.statusCode, parsed, target.plugin.name);
    return { status: res.statusCode, headers: resHeaders, body: parsed as T };
  }

  private build(target: UpstreamTarget, req: UpstreamRequest): { url: URL; headers: Record<string, string>; body?: string } {
    const url = new URL(target.baseUrl + (req.path.startsWith('/') ? req.path : `/${req.path}`));
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Plugboard/0.1', ...target.plugin.defaultHeaders, ...req.headers };
    applyAuth(target.auth, target.credentials, headers, url);
    if (req.idempotencyKey && target.plugin.idempotencyHeader) headers[target.plugin.idempotencyHeader] = req.idempotencyKey;
    let body: string | undefined;
    if (req.json !== undefined) {
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

function retryAfterMs(header: string | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
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
