import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { BillingSweeper } from './billing-sweeper.service';

/**
 * Runs the billing sweep every BILLING_SWEEP_INTERVAL_SECONDS in worker processes. A plain timer, not a
 * queue: the sweep is idempotent and row-locked, so every worker may run it.
 */
@Injectable()
export class BillingTicker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(BillingTicker.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> | null = null;

  constructor(private readonly sweeper: BillingSweeper, @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.BILLING_SWEEP_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  /** Waits for a sweep in flight, so shutdown does not close the pool under it. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweeper.run()
      .catch((e: Error) => this.log.warn(`billing sweep failed: ${e.message}`))
      .finally(() => {
        this.running = null;
      });
  }
}
