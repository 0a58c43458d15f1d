import { Injectable, Logger } from '@nestjs/common';
import { EventBus } from '../../core/events';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { Connection, ConnectionTransition, type ConnectionStatus } from './connection.entity';

/**
 * The connection state machine's one writer: every change of status is a transition row with its
 * reason, and a move to needs_reauth is announced (`connection.needs_reauth`) for monitoring.
 */
@Injectable()
export class ConnectionStatusService {
  private readonly log = new Logger(ConnectionStatusService.name);

  constructor(private readonly db: TenantDb, private readonly context: RequestContext, private readonly events: EventBus) {}

  /** Records the first status of a new connection. */
  async initial(connectionId: string, status: ConnectionStatus, reason: string): Promise<void> {
    await this.db.repo(ConnectionTransition).insert({ connectionId, fromStatus: null, toStatus: status, reason });
  }

  /** Moves the connection to `to` unless it is there already; returns whether it moved. */
  async transition(connection: Pick<Connection, 'id' | 'plugin'>, to: ConnectionStatus, reason: string | null): Promise<boolean> {
    const moved = await this.db.transaction(async (repo) => {
      const current = await repo(Connection).query('c').andWhere('c.id = :id', { id: connection.id }).setLock('pessimistic_write').getOne();
      if (!current || current.status === to) return null;
      const at = new Date();
      await repo(Connection).update({ id: connection.id }, { status: to, statusReason: reason, statusChangedAt: at });
      await repo(ConnectionTransition).insert({ connectionId: connection.id, fromStatus: current.status, toStatus: to, reason, at });
      return current.status;
    });
    if (moved === null) return false;
    this.log.log(`connection ${connection.id} (${connection.plugin}): ${moved} -> ${to}${reason ? ` (${reason})` : ''}`);
    if (to === 'needs_reauth') {
      this.events.emit('connection.needs_reauth', this.context.tenantId, { connectionId: connection.id, plugin: connection.plugin, reason });
    }
    return true;
  }

  async history(connectionId: string): Promise<ConnectionTransition[]> {
    return this.db.repo(ConnectionTransition).find({ connectionId }, { order: { at: 'ASC' } });
  }
}
