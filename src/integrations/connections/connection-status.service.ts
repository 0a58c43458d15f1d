import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus, type PlatformEvent } from '../../core/events';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { Connection, ConnectionTransition, type ConnectionStatus } from './connection.entity';

/**
 * The connection state machine's one writer: every change of status is a transition row with its
 * reason, and moves to needs_reauth, degraded and (back to) healthy are announced
 * (`connection.needs_reauth`, `connection.degraded`, `connection.recovered`) for monitoring and outbound webhooks.
 * The upstream circuit drives it too: an opened circuit degrades a healthy connection, and the
 * circuit closing again (a probe succeeded) makes it healthy.
 */
@Injectable()
export class ConnectionStatusService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(ConnectionStatusService.name);
  private readonly unsubscribe: (() => void)[] = [];
  /** circuit changes are applied one after another, so an open followed closely by a close ends healthy */
  private circuitChanges: Promise<void> = Promise.resolve();

  constructor(private readonly db: TenantDb, private readonly context: RequestContext, private readonly events: EventBus) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.on('upstream.circuit_opened', (e) => this.onCircuit(e, 'degraded', ['healthy'], 'calls are failing, the circuit opened: calls paused until a probe succeeds')),
      this.events.on('upstream.circuit_closed', (e) => this.onCircuit(e, 'healthy', ['degraded'], 'a probe succeeded, the circuit closed: calls resumed')),
    );
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Records the first status of a new connection. */
  async initial(connectionId: string, status: ConnectionStatus, reason: string): Promise<void> {
    await this.db.repo(ConnectionTransition).insert({ connectionId, fromStatus: null, toStatus: status, reason });
  }

  /** Moves the connection to `to` unless it is there already (or, with `from`, is in none of those); returns whether it moved. */
  async transition(connection: Pick<Connection, 'id' | 'plugin'>, to: ConnectionStatus, reason: string | null, from?: readonly ConnectionStatus[]): Promise<boolean> {
    const moved = await this.db.transaction(async (repo) => {
      const current = await repo(Connection).query('c').andWhere('c.id = :id', { id: connection.id }).setLock('pessimistic_write').getOne();
      if (!current || current.status === to || (from && !from.includes(current.status))) return null;
      const at = new Date();
      await repo(Connection).update({ id: connection.id }, { status: to, statusReason: reason, statusChangedAt: at });
      await repo(ConnectionTransition).insert({ connectionId: connection.id, fromStatus: current.status, toStatus: to, reason, at });
      return current.status;
    });
    if (moved === null) return false;
    this.log.log(`connection ${connection.id} (${connection.plugin}): ${moved} -> ${to}${reason ? ` (${reason})` : ''}`);
    const announced = to === 'needs_reauth' ? 'connection.needs_reauth' : to === 'degraded' ? 'connection.degraded' : to === 'healthy' ? 'connection.recovered' : null;
    if (announced) this.events.emit(announced, this.context.tenantId, { connectionId: connection.id, plugin: connection.plugin, from: moved, reason });
    return true;
  }

  async history(connectionId: string): Promise<ConnectionTransition[]> {
    return this.db.repo(ConnectionTransition).find({ connectionId }, { order: { at: 'ASC' } });
  }

  /** A circuit change of one of the tenant's connections (every process reports its own; the moves are idempotent). */
  private onCircuit(e: PlatformEvent, to: ConnectionStatus, from: readonly ConnectionStatus[], why: string): Promise<void> {
    const { plugin, connectionId } = e.data as { plugin?: string; connectionId?: string };
    if (!connectionId || !plugin) return Promise.resolve();
    const principal = { kind: 'system' as const, tenantId: e.tenantId, actorId: 'upstream-circuit', role: 'admin' as const, scopes: ['read', 'write'] as const, plan: 'free' as const, rateLimit: 0 };
    const change = this.circuitChanges.then(async () => {
      await this.context.runAsTenant(principal, () => this.transition({ id: connectionId, plugin }, to, `${plugin} ${why}`, from));
    });
    this.circuitChanges = change.catch(() => undefined);
    return change;
  }
}
