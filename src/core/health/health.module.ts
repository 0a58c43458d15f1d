import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { CoreHealthIndicators } from './redis.health';

@Module({ imports: [TerminusModule], controllers: [HealthController], providers: [CoreHealthIndicators], exports: [CoreHealthIndicators] })
export class HealthModule {}
