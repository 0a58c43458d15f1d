import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { isAddressRefused } from '../../core/http';
import type { StepOf } from '../definition';
import { DefinitionSecrets } from '../definition';
import { maskSecrets } from '../engine/secret-mask';
import { PermanentStepError, textField, type StepContext, type StepHandler } from './step-handler';
import { SafeHttpAgent } from './safe-http';

const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** An HTTP answer a retry may cure (429, 5xx, a network failure), as opposed to a 4xx. */
export class RetryableHttpError extends Error {}

/** `http_request`: any URL, SSRF-safe; a non-2xx answer fails the step with its status and the start of its body. */
@Injectable()
export class HttpRequestStep implements StepHandler<StepOf<'http_request'>>, OnModuleDestroy {
  readonly type = 'http_request' as const;
  private readonly agent: SafeHttpAgent;

  constructor(@Inject(PLUGBOARD_CONFIG) config: PlugboardConfig, private readonly secrets: DefinitionSecrets) {
    this.agent = new SafeHttpAgent(config.WORKFLOW_HTTP_ALLOWED_NETWORKS);
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  input(step: StepOf<'http_request'>, render: (v: unknown) => unknown): Record<string, unknown> {
    return { method: step.method, url: render(step.url), headers: render(step.headers ?? {}), query: render(step.query ?? {}), body: render(step.body) };
  }

  async run(input: Record<string, unknown>, _step: StepOf<'http_request'>, ctx: StepContext): Promise<unknown> {
    let url: URL;
    try {
      url = new URL(textField(input, 'url'));
    } catch (e) {
      throw e instanceof PermanentStepError ? e : new PermanentStepError(`url "${String(input.url)}" is not a URL`);
    }
    for (const [k, v] of Object.entries((input.query ?? {}) as Record<string, unknown>)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    const method = String(input.method);
    const headers: Record<string, string> = { 'user-agent': 'Plugboard-Workflows/0.1', ...(await this.secrets.open(input.headers as Record<string, string>)) };
    let body: string | undefined;
    if (input.body !== undefined && input.body !== null && method !== 'GET') {
      body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
      if (typeof input.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    try {
      this.agent.check(url);
    } catch (e) {
      throw new PermanentStepError((e as Error).message);
    }
    if (ctx.test && method !== 'GET') {
      return { testMode: true, sent: false, request: { method, url: url.toString(), headers: maskSecrets(headers), body: body ?? null } };
    }
    let res;
    try {
      res = await this.agent.dispatcher.request({ origin: url.origin, path: url.pathname + url.search, method: method as 'GET', headers, body, signal: ctx.signal });
    } catch (e) {
      if (isAddressRefused(e)) throw new PermanentStepError(((e as { cause?: Error }).cause ?? (e as Error)).message);
      throw new RetryableHttpError(`${method} ${url.host} failed: ${(e as Error).message}`);
    }
    const text = await readLimited(res.body as unknown as AsyncIterable<Buffer>, MAX_RESPONSE_BYTES);
    const resHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    const parsed = /json/.test(resHeaders['content-type'] ?? '') ? safeJson(text) : text;
    if (res.statusCode >= 400) {
      const message = `${method} ${url.host}${url.pathname} answered ${res.statusCode}: ${text.slice(0, 300)}`;
      throw res.statusCode === 429 || res.statusCode >= 500 ? new RetryableHttpError(message) : new PermanentStepError(message);
    }
    return { status: res.statusCode, headers: resHeaders, body: parsed };
  }
}

async function readLimited(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new PermanentStepError(`the response is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw new PermanentStepError(`the response says it is JSON but is not: ${text.slice(0, 200)}`);
  }
}
