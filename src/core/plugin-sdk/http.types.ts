/** What a plugin may ask of the upstream client: a path relative to the platform's base URL. */
export interface UpstreamRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined | null | readonly (string | number)[]>;
  /** sent as application/json */
  json?: unknown;
  /** sent as application/x-www-form-urlencoded, nested objects in bracket notation (`a[b]=c`) */
  form?: Record<string, unknown>;
  /** sent as it is (an upload), with the content-type named in headers */
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** an idempotency key the platform understands, passed in the header the plugin names */
  idempotencyKey?: string;
}

export interface UpstreamResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** Already authenticated, rate limited, retrying and circuit-broken: plugins never see credentials. */
export interface UpstreamHttp {
  request<T = unknown>(req: UpstreamRequest): Promise<UpstreamResponse<T>>;
  get<T = unknown>(path: string, query?: UpstreamRequest['query']): Promise<T>;
}

/** A non-2xx answer that retries did not cure. */
export class UpstreamError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly plugin: string,
    message?: string,
  ) {
    super(message ?? `${plugin} answered ${status}`);
    this.name = 'UpstreamError';
  }
}
