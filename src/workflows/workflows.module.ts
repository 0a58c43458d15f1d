import { Module, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { Entitlements } from '../billing';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { EventBus } from '../core/events';
import { ConnectionsModule } from '../integrations/connections';
import { MonitoringModule } from '../monitoring';
import { PublishingModule } from '../integrations/publishing';
import { SyncModule } from '../integrations/sync';
import { DefinitionSecrets, PLATFORM_EVENTS } from './definition';
import { ExecutionIntake, WORKFLOW_QUEUE } from './engine/execution-intake';
import { ExecutionLog } from './engine/execution-log';
import { ExecutionRunner } from './engine/execution-runner';
import { LoopSource } from './engine/loop-source';
import { PlanCache } from './engine/plan-cache';
import { TemplateEngine } from './engine/template-engine';
import { ExecutionsService } from './executions.service';
import { HttpRequestStep } from './steps/http-request.step';
import { NotifyStep } from './steps/notify.step';
import { PluginActionStep } from './steps/plugin-action.step';
import { PublishStep } from './steps/publish.step';
import { SendEmailStep } from './steps/send-email.step';
import { STEP_HANDLERS, type StepHandler } from './steps/step-handler';
import { SyncStep } from './steps/sync.step';
import { DataChangeTrigger } from './triggers/data-change.trigger';
import { InboundTrigger } from './triggers/inbound.trigger';
import { ScheduleTrigger } from './triggers/schedule.trigger';
import { TriggerRouter } from './triggers/trigger-router';
import { WorkflowsService } from './workflows.service';

const handlers = [HttpRequestStep, PluginActionStep, SyncStep, PublishStep, SendEmailStep, NotifyStep];

/**
 * The workflow engine (issue 6): definitions and versions, triggers, the runner and its steps. Every
 * process subscribes to the events that start workflows (each event is emitted once, in one
 * process); the queue's consumer is WorkflowsWorkerModule, and the API root mounts the controllers.
 */
@Module({
  imports: [
    ConnectionsModule,
    MonitoringModule,
    SyncModule,
    PublishingModule,
    BullModule.registerQueueAsync({
      name: WORKFLOW_QUEUE,
      inject: [PLUGBOARD_CONFIG],
      useFactory: (c: PlugboardConfig) => ({
        // a killed worker's execution is taken over once its job lock lapses; it resumes from its step log
        settings: { lockDuration: c.WORKFLOW_JOB_LOCK_MS, lockRenewTime: Math.floor(c.WORKFLOW_JOB_LOCK_MS / 3), stalledInterval: Math.max(500, Math.floor(c.WORKFLOW_JOB_LOCK_MS / 2)), maxStalledCount: 5 },
      }),
    }),
  ],
  providers: [
    { provide: TemplateEngine, useFactory: () => new TemplateEngine() },
    PlanCache, DefinitionSecrets, ExecutionLog, ExecutionIntake, ExecutionRunner, LoopSource, TriggerRouter, DataChangeTrigger, ScheduleTrigger, InboundTrigger,
    WorkflowsService, ExecutionsService,
    ...handlers,
    { provide: STEP_HANDLERS, inject: handlers, useFactory: (...h: StepHandler[]) => h },
  ],
  exports: [WorkflowsService, ExecutionsService, InboundTrigger, ExecutionLog, ExecutionRunner, ExecutionIntake, PlanCache, TriggerRouter, DataChangeTrigger, BullModule],
})
export class WorkflowsModule implements OnModuleInit, OnModuleDestroy {
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly events: EventBus,
    private readonly router: TriggerRouter,
    private readonly changes: DataChangeTrigger,
    private readonly workflows: WorkflowsService,
    @Optional() private readonly entitlements?: Entitlements,
  ) {}

  onModuleInit(): void {
    this.entitlements?.register('active_workflows', {
      count: () => this.workflows.countActive(),
      pauseBeyond: (keep, reason) => this.workflows.pauseBeyond(keep, reason),
      resumePaused: (limit) => this.workflows.resumePaused(limit),
    });
    this.unsubscribe.push(
      this.events.on('webhook.received', (e) => this.router.fromWebhook(e).then(() => undefined)),
      this.events.on('sync.completed', (e) => this.changes.poll(e.tenantId)),
      ...PLATFORM_EVENTS.map((type) => this.events.on(type, (e) => this.router.fromPlatformEvent(e).then(() => undefined))),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe.splice(0).forEach((u) => u());
  }
}
