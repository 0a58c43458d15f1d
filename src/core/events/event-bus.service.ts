import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** Something that happened in Plugboard that other areas (workflows, monitoring) may react to. */
export interface PlatformEvent<D = Record<string, unknown>> {
  /** dotted, area first: `connection.needs_reauth`, `sync.completed`, `upstream.circuit_opened` */
  type: string;
  tenantId: string;
  occurredAt: Date;
  data: D;
}

type Handler = (e: PlatformEvent) => void | Promise<void>;

/**
 * The in-process event bus: producers emit, subscribers (by type, or `*`) react. A failing
 * subscriber is logged and never fails the producer.
 */
@Injectable()
export class EventBus {
  private readonly log = new Logger(EventBus.name);
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  emit<D extends Record<string, unknown>>(type: string, tenantId: string, data: D): void {
    const event: PlatformEvent = { type, tenantId, occurredAt: new Date(), data };
    for (const name of [type, '*']) {
      for (const handler of this.emitter.listeners(name) as Handler[]) {
        Promise.resolve()
          .then(() => handler(event))
          .catch((e: unknown) => this.log.error(`subscriber of ${type} failed: ${(e as Error).message}`));
      }
    }
  }

  /** Returns the unsubscribe function. */
  on(type: string, handler: Handler): () => void {
    this.emitter.on(type, handler);
    return () => this.emitter.off(type, handler);
  }
}
