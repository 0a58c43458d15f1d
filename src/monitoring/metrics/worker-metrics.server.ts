import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { tokenMatches } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * A worker process has no HTTP server, yet its counters (syncs, webhooks, workflows run there) must
 * be scraped: with METRICS_PORT and METRICS_TOKEN set, it serves GET /metrics alone on that port.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Monitoring');
  private server?: Server;

  constructor(private readonly metrics: MetricsService, @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig) {}

  /** where it listens, once started (null otherwise) */
  get url(): string | null {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? `http://${this.config.HOST}:${a.port}` : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { PLUGBOARD_ROLE: role, METRICS_PORT: port, METRICS_TOKEN: token } = this.config;
    if (role !== 'worker' || port === undefined || !token) return;
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
      if (!tokenMatches(req.headers.authorization, token)) return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      this.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(port, this.config.HOST, resolve));
    this.log.log(`worker metrics at ${this.url}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
