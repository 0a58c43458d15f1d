import { Injectable } from '@nestjs/common';
import { PublishingService, type PublishInput } from '../../integrations/publishing';
import type { StepOf } from '../definition';
import { PermanentStepError, textField, type StepContext, type StepHandler } from './step-handler';

/**
 * `publish`: cross-platform publishing through PublishingService; the publication with its
 * per-platform results is the step's output. A publication that failed on every platform fails the
 * step (with each platform's reason); a partial one succeeds, for a condition to look at. Test mode
 * records the request.
 */
@Injectable()
export class PublishStep implements StepHandler<StepOf<'publish'>> {
  readonly type = 'publish' as const;

  constructor(private readonly publishing: PublishingService) {}

  input(step: StepOf<'publish'>, render: (v: unknown) => unknown): Record<string, unknown> {
    return {
      content: render(step.content), platforms: render(step.platforms), contentType: step.contentType,
      ...(step.media !== undefined ? { media: render(step.media) } : {}),
      ...(step.metadata !== undefined ? { metadata: render(step.metadata) } : {}),
      ...(step.options !== undefined ? { options: render(step.options) } : {}),
      ...(step.scheduleAt !== undefined ? { scheduleAt: render(step.scheduleAt) } : {}),
    };
  }

  async run(input: Record<string, unknown>, step: StepOf<'publish'>, ctx: StepContext): Promise<unknown> {
    const platforms = input.platforms;
    if (!Array.isArray(platforms) || !platforms.every((p) => typeof p === 'string' && p)) throw new PermanentStepError('platforms rendered to something other than a list of connection ids or plugin names');
    const scheduleAt = input.scheduleAt === undefined || input.scheduleAt === null || input.scheduleAt === '' ? null : new Date(String(input.scheduleAt));
    if (scheduleAt && Number.isNaN(scheduleAt.getTime())) throw new PermanentStepError(`scheduleAt rendered to "${String(input.scheduleAt)}", not a date`);
    const request: PublishInput = {
      content: textField(input, 'content'), platforms, contentType: step.contentType,
      media: input.media as PublishInput['media'], metadata: input.metadata as PublishInput['metadata'], options: input.options as PublishInput['options'], scheduleAt,
    };
    if (ctx.test) return { testMode: true, sent: false, request };
    const publication = await this.publishing.publish(request);
    if (publication.status === 'failed') {
      throw new PermanentStepError(`publishing failed on every platform: ${publication.platforms.map((p) => `${p.plugin}: ${p.error?.message ?? p.status}`).join('; ')}`);
    }
    return publication;
  }
}
