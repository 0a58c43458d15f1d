import { Controller, Get, Headers, Inject, NotFoundException, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../../core/auth';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { MetricsService } from './metrics.service';

/** Compares a presented bearer token with the configured one in constant time (equal-length digests). */
export function tokenMatches(header: string | undefined, expected: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return presented.length > 0 && timingSafeEqual(digest(presented), digest(expected));
}

/** Prometheus scrapes here with `Authorization: Bearer <METRICS_TOKEN>`; not a tenant's route. */
@ApiTags('metrics')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService, @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig) {}

  @Get()
  @ApiOperation({ summary: "This process's metrics in Prometheus text format; needs Authorization: Bearer <METRICS_TOKEN>" })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const token = this.config.METRICS_TOKEN;
    if (!token) throw new NotFoundException('metrics are not enabled: set METRICS_TOKEN');
    if (!tokenMatches(authorization, token)) throw new UnauthorizedException('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
