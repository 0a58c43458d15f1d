import { Module } from '@nestjs/common';
import { WorkflowProcessor } from './workflow.processor';
import { WorkflowsModule } from './workflows.module';

/** The workflow queue's consumer: listed in WorkerModule.features(), so API-only processes never take executions. */
@Module({ imports: [WorkflowsModule], providers: [WorkflowProcessor] })
export class WorkflowsWorkerModule {}
