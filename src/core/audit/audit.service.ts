import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';

export type AuditRecord = Omit<AuditEntry, 'id' | 'createdAt'>;

const FLUSH_EVERY_MS = 250;
const MAX_BATCH = 200;

/**
 * Records mutating requests. Entries are written in small batches off the request path (one insert
 * per quarter second at most), and flushed on shutdown.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly log = new Logger(AuditService.name);
  private buffer: AuditRecord[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly dataSource: DataSource) {}

  record(entry: AuditRecord): void {
    this.buffer.push(entry);
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    try {
      await this.dataSource.manager.insert(AuditEntry, batch);
    } catch (e) {
      this.log.error({ err: e, lost: batch.length }, 'could not write audit entries');
    }
  }

  /** before, not on, shutdown: TypeORM closes its pool in onApplicationShutdown */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
