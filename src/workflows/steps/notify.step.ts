import { Injectable } from '@nestjs/common';
import { ChannelMessenger, NoChannelError, type Severity } from '../../monitoring';
import type { StepOf } from '../definition';
import { PermanentStepError, textField, type StepContext, type StepHandler } from './step-handler';

/**
 * `notify`: sends a message through the tenant's alert channels (one named, or all that take its
 * severity). Keyed by execution and step, so a retry reaches only the channels that missed it.
 * Test mode records it.
 */
@Injectable()
export class NotifyStep implements StepHandler<StepOf<'notify'>> {
  readonly type = 'notify' as const;

  constructor(private readonly messenger: ChannelMessenger) {}

  input(step: StepOf<'notify'>, render: (v: unknown) => unknown): Record<string, unknown> {
    return { channel: step.channel === undefined ? undefined : render(step.channel), severity: step.severity, title: render(step.title), message: render(step.message) };
  }

  async run(input: Record<string, unknown>, _step: StepOf<'notify'>, ctx: StepContext): Promise<unknown> {
    const message = {
      ...(input.channel ? { channel: textField(input, 'channel') } : {}),
      severity: input.severity as Severity, title: textField(input, 'title'), message: textField(input, 'message'),
      key: `workflow:${ctx.executionId}:${ctx.key}`,
      source: { kind: 'workflow', workflowId: ctx.workflowId, executionId: ctx.executionId, step: ctx.key },
    };
    if (ctx.test) return { testMode: true, sent: false, message };
    try {
      return await this.messenger.send(message);
    } catch (e) {
      throw e instanceof NoChannelError ? new PermanentStepError(e.message) : e;
    }
  }
}
