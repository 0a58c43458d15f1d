import { Module } from '@nestjs/common';
import { WorkerMetricsServer } from './metrics/worker-metrics.server';
import { MonitoringModule } from './monitoring.module';
import { MonitoringProcessor } from './monitoring.processor';

/** The monitoring queue's consumer (and a worker's own /metrics port): listed in WorkerModule.features(). */
@Module({ imports: [MonitoringModule], providers: [MonitoringProcessor, WorkerMetricsServer] })
export class MonitoringWorkerModule {}
