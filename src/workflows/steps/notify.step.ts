import { Injectable, Optional } from '@nestjs/common';
import type { StepOf } from '../definition';
import { PermanentStepError, textField, type StepContext, type StepHandler } from './step-handler';

/**
 * Sends one message through an alert channel of the tenant. Monitoring owns the channels; it binds
 * this (with the channel senders it keeps) when it offers ad-hoc messages. Without a binding, the
 * notify step fails with a readable error instead of the process failing to boot.
 */
export abstract class WorkflowNotifier {
  abstract notify(input: { channel?: string; severity: 'info' | 'warning' | 'critical'; title: string; message: string; source: Record<string, string> }): Promise<unknown>;
}

/** `notify`: sends an alert through the tenant's alert channels. Test mode records it. */
@Injectable()
export class NotifyStep implements StepHandler<StepOf<'notify'>> {
  readonly type = 'notify' as const;

  constructor(@Optional() private readonly notifier?: WorkflowNotifier) {}

  input(step: StepOf<'notify'>, render: (v: unknown) => unknown): Record<string, unknown> {
    return { channel: step.channel === undefined ? undefined : render(step.channel), severity: step.severity, title: render(step.title), message: render(step.message) };
  }

  async run(input: Record<string, unknown>, _step: StepOf<'notify'>, ctx: StepContext): Promise<unknown> {
    const alert = {
      ...(input.channel ? { channel: textField(input, 'channel') } : {}),
      severity: input.severity as 'info' | 'warning' | 'critical', title: textField(input, 'title'), message: textField(input, 'message'),
      source: { kind: 'workflow', workflowId: ctx.workflowId, executionId: ctx.executionId, step: ctx.key },
    };
    if (ctx.test) return { testMode: true, sent: false, alert };
    if (!this.notifier) throw new PermanentStepError('alert channels cannot take a workflow\'s message in this Plugboard yet (monitoring binds no WorkflowNotifier)');
    return (await this.notifier.notify(alert)) ?? { sent: true };
  }
}
