import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router, { HTTPMethod } from 'find-my-way';
import { parse as parseQuery } from 'qs';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, any>;
  headers: Record<string, string>;
  /** parsed JSON or form body (bracket notation expanded) */
  body: any;
  rawBody: string;
}

export interface SimResponse {
  status?: number;
  body?: unknown;
  /** a body sent as it is (text/plain unless headers name another type), for platforms that answer some errors in plain text */
  text?: string;
  headers?: Record<string, string>;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** Failures a test can inject: the shapes a real platform produces under load or outage. */
export interface SimulatorFaults {
  /** share of calls answered 429 with Retry-After */
  rate429?: number;
  /** share of calls answered 500 */
  rate500?: number;
  retryAfterSeconds?: number;
  /** every call fails with 503 (the platform is down) */
  down?: boolean;
  /** added to every answer, in ms */
  latencyMs?: number;
  /** the injected 429s and 500s stop after this many (then the faults clear): "the next call fails" */
  times?: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, any>;
  headers: Record<string, string>;
  body: any;
  status: number;
  response: unknown;
  /** when the request arrived (epoch ms) */
  arrivedAt: number;
  /** when the answer was sent (epoch ms), after any injected latency */
  at: number;
}

export interface SimulatorServerOptions {
  name: string;
  /** returns an error response when the request's credentials are wrong, or null to let it through */
  authenticate(req: SimRequest): SimResponse | null;
  /** the platform's own rate limit: requests per window, and how it reports them */
  rateLimit?: { limit: number; windowMs: number; headers(remaining: number, resetAt: number, limit: number): Record<string, string>; exceeded(retryAfterS: number): SimResponse };
  /** the platform's error body for a status and message */
  errorBody(status: number, message: string): unknown;
  /** how many calls to keep for conformance checks */
  recordLimit?: number;
}

/**
 * A small stateful HTTP server on loopback that plugins' simulators build on. It gives every
 * simulator the same fault injection, rate limiting, request recording and control endpoints
 * (`/__sim/faults`, `/__sim/calls`), so tests in other processes can steer it too.
 */
export class SimulatorServer {
  readonly calls: RecordedCall[] = [];
  faults: SimulatorFaults = {};
  private readonly router: Router.Instance<Router.HTTPVersion.V1>;
  private server?: Server;
  private windowStart = Date.now();
  private windowCount = 0;
  private readonly controls = new Map<string, (body: any) => unknown>();

  constructor(private readonly opts: SimulatorServerOptions) {
    this.router = Router({
      ignoreTrailingSlash: true,
      defaultRoute: (req, res) =>
        this.send(res, 404, this.opts.errorBody(404, `Unrecognized request URL (${req.method}: ${req.url?.split('?')[0]})`), {}),
    });
    this.control('faults', (body) => {
      this.faults = body ?? {};
      return this.faults;
    });
    // { path?, method?, status? } counts only the matching calls (a token endpoint's, the 401s)
    this.control('calls', (body?: { path?: string; method?: string; status?: number }) => ({
      count: this.calls.filter((c) => (!body?.path || c.path === body.path) && (!body?.method || c.method === body.method.toUpperCase()) && (!body?.status || c.status === body.status)).length,
    }));
  }

  route(method: HTTPMethod, path: string, handler: SimHandler): this {
    this.router.on(method, path, (req, res, params) => {
      void this.dispatch(req, res, params as Record<string, string>, handler);
    });
    return this;
  }

  /** A control operation reachable at POST /__sim/<name> (seed data, change state) */
  control(name: string, fn: (body: any) => unknown): this {
    this.controls.set(name, fn);
    return this;
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/__sim/')) return void this.handleControl(req, res);
      this.router.lookup(req, res);
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = req.url!.slice('/__sim/'.length).split('?')[0];
    const fn = this.controls.get(name);
    if (!fn) return this.send(res, 404, { error: `no control ${name}` }, {});
    const raw = await readBody(req);
    try {
      this.send(res, 200, (await fn(raw ? JSON.parse(raw) : undefined)) ?? { ok: true }, {});
    } catch (e) {
      this.send(res, 400, { error: (e as Error).message }, {});
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, params: Record<string, string>, handler: SimHandler): Promise<void> {
    const arrivedAt = Date.now();
    const rawBody = await readBody(req);
    const [path, qs = ''] = (req.url ?? '/').split('?');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const simReq: SimRequest = {
      method: req.method ?? 'GET', path, params, headers, rawBody,
      query: parseQuery(qs, { depth: 5, arrayLimit: 100 }),
      body: parseBody(rawBody, headers['content-type']),
    };
    const answer = await this.answer(simReq, handler);
    if (this.faults.latencyMs) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
    this.record(simReq, answer, arrivedAt);
    if (answer.text !== undefined) return this.sendText(res, answer.status ?? 200, answer.text, answer.headers ?? {});
    this.send(res, answer.status ?? 200, answer.body, answer.headers ?? {});
  }

  private async answer(req: SimRequest, handler: SimHandler): Promise<SimResponse> {
    const f = this.faults;
    if (f.down) return { status: 503, body: this.opts.errorBody(503, 'Service unavailable') };
    const denied = this.opts.authenticate(req);
    if (denied) return denied;
    const limited = this.rateLimit();
    if (limited) return limited;
    const roll = Math.random();
    if (f.rate429 && roll < f.rate429) {
      this.countInjected();
      const retry = f.retryAfterSeconds ?? 1;
      return { status: 429, headers: { 'retry-after': String(retry) }, body: this.opts.errorBody(429, 'Too many requests') };
    }
    if (f.rate500 && roll < (f.rate429 ?? 0) + f.rate500) {
      this.countInjected();
      return { status: 500, body: this.opts.errorBody(500, 'Internal server error') };
    }
    try {
      const r = await handler(req);
      return { ...r, headers: { ...this.rateHeaders(), ...r.headers } };
    } catch (e) {
      const err = e as Error & { status?: number };
      return { status: err.status ?? 500, body: this.opts.errorBody(err.status ?? 500, err.message) };
    }
  }

  private countInjected(): void {
    if (this.faults.times === undefined) return;
    this.faults.times--;
    if (this.faults.times <= 0) this.faults = {};
  }

  private rateLimit(): SimResponse | null {
    const rl = this.opts.rateLimit;
    if (!rl) return null;
    const now = Date.now();
    if (now - this.windowStart >= rl.windowMs) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    if (this.windowCount <= rl.limit) return null;
    const retry = Math.max(1, Math.ceil((this.windowStart + rl.windowMs - now) / 1000));
    const r = rl.exceeded(retry);
    return { ...r, status: 429, headers: { 'retry-after': String(retry), ...this.rateHeaders(), ...r.headers } };
  }

  private rateHeaders(): Record<string, string> {
    const rl = this.opts.rateLimit;
    if (!rl) return {};
    return rl.headers(Math.max(0, rl.limit - this.windowCount), this.windowStart + rl.windowMs, rl.limit);
  }

  private record(req: SimRequest, res: SimResponse, arrivedAt: number): void {
    this.calls.push({
      method: req.method, path: req.path, query: req.query, headers: req.headers, body: req.body,
      status: res.status ?? 200, response: res.text ?? res.body, arrivedAt, at: Date.now(),
    });
    const limit = this.opts.recordLimit ?? 1000;
    if (this.calls.length > limit) this.calls.splice(0, this.calls.length - limit);
  }

  private sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
    res.end(payload);
  }
}

/** An error a simulator handler throws to answer with the platform's error body. */
export class SimError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType = ''): any {
  if (!raw) return undefined;
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) return parseQuery(raw, { depth: 5, arrayLimit: 100 });
  return raw;
}
