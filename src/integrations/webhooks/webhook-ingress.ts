import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { WebhookIngestService } from './webhook-ingest.service';

/** How long a platform should wait before retrying a delivery the database could not take. */
const RETRY_AFTER_S = 5;

/**
 * The public webhook routes, `POST /webhooks/:plugin/:connectionId` and `POST /webhooks/:plugin`,
 * mounted in a Fastify scope of their own: there the body is never parsed, only kept as the raw
 * bytes the signature covers (up to WEBHOOK_MAX_BODY_BYTES, else 413), while every other route keeps
 * the usual parsers. No credentials: a delivery proves itself by its signature.
 */
@Injectable()
export class WebhookIngress implements OnModuleInit {
  private readonly log = new Logger(WebhookIngress.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly ingest: WebhookIngestService,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  onModuleInit(): void {
    // a worker-only process has no HTTP server
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const bodyLimit = this.config.WEBHOOK_MAX_BODY_BYTES;
    void fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
      scope.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 500) this.log.error(`webhook route failed: ${err.message}`);
        return problem(reply, req, status, status === 413 ? `the body is larger than ${bodyLimit} bytes` : err.message);
      });
      const handler = (req: FastifyRequest<{ Params: { plugin: string; connectionId?: string } }>, reply: FastifyReply) => this.handle(req, reply);
      scope.post('/webhooks/:plugin/:connectionId', { bodyLimit }, handler);
      scope.post('/webhooks/:plugin', { bodyLimit }, handler);
    });
  }

  private async handle(req: FastifyRequest<{ Params: { plugin: string; connectionId?: string } }>, reply: FastifyReply): Promise<FastifyReply> {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    try {
      const outcome = await this.ingest.receive({
        plugin: req.params.plugin, connectionId: req.params.connectionId, method: req.method, path: req.url, headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      if (outcome.status !== 200) return problem(reply, req, outcome.status, outcome.detail);
      if ('reply' in outcome) return reply.status(200).send(outcome.reply);
      return reply.status(200).send({ accepted: outcome.accepted, duplicates: outcome.duplicates });
    } catch (e) {
      // nothing was committed, so nothing may be acknowledged: the platform will deliver again
      this.log.error(`could not store a ${req.params.plugin} delivery: ${(e as Error).message}`);
      void reply.header('retry-after', String(RETRY_AFTER_S));
      return problem(reply, req, 503, 'the delivery could not be stored; retry later');
    }
  }
}

/** The same problem+json shape as the API's error filter. */
function problem(reply: FastifyReply, req: FastifyRequest, status: number, detail: string): FastifyReply {
  return reply.status(status).header('content-type', 'application/problem+json; charset=utf-8').send({
    type: `https://plugboard.dev/problems/${(STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    title: STATUS_CODES[status] ?? 'Error', status, detail, instance: req.url.split('?')[0], requestId: String(req.id),
  });
}
