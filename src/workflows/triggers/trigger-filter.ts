import type { Logger } from '@nestjs/common';
import type { TemplateEngine } from '../engine/template-engine';

/** Whether a trigger's filter accepts an event; a filter that cannot be evaluated skips the event, with a warning. */
export function filterAccepts(templates: TemplateEngine, log: Logger, filter: string, payload: unknown, workflowId: string): boolean {
  try {
    return templates.test(filter, { trigger: payload });
  } catch (e) {
    log.warn(`workflow ${workflowId}: trigger filter failed, event skipped: ${(e as Error).message}`);
    return false;
  }
}
