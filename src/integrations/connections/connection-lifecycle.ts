import { Injectable } from '@nestjs/common';
import type { OpenedConnection } from './connection-access';

/** A connection as lifecycle hooks see it: opened for calls, and which credential fields hold a value (never the values). */
export interface LifecycleConnection extends OpenedConnection {
  credentialFields: readonly string[];
}

/**
 * Work another area does at the platform when a connection is made or removed, while its
 * credentials still exist (registering a webhook subscription, removing it again).
 */
export interface ConnectionLifecycleHook {
  /** after a connection that passed its check is stored; returns credential fields to add to it (a secret the platform issued) */
  created?(connection: LifecycleConnection): Promise<Record<string, string> | void>;
  /** before the connection's credentials are deleted */
  removing?(connection: LifecycleConnection): Promise<void>;
}

/** Where areas register their hooks; ConnectionsService runs them, each best effort. */
@Injectable()
export class ConnectionLifecycle {
  private readonly registered: ConnectionLifecycleHook[] = [];

  register(hook: ConnectionLifecycleHook): () => void {
    this.registered.push(hook);
    return () => {
      const at = this.registered.indexOf(hook);
      if (at >= 0) this.registered.splice(at, 1);
    };
  }

  get hooks(): readonly ConnectionLifecycleHook[] {
    return this.registered;
  }
}
