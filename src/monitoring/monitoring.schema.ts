import type { DatabaseSchema } from '../core/database';
import { AlertChannel, AlertNotification } from './entities/alert-channel.entity';
import { AlertRule } from './entities/alert-rule.entity';
import { Alert, AlertEvent } from './entities/alert.entity';
import { ConnectionHealth } from './entities/connection-health.entity';
import { MonitoringState, SeriesPoint } from './entities/series.entity';
import { Monitoring1764800000000 } from './migrations/1764800000000-monitoring.migration';
import { NotificationMessages1764800000001 } from './migrations/1764800000001-notification-messages.migration';

/** Monitoring's tables, listed by the process roots in src/app/schema.ts. */
export const monitoringSchema: DatabaseSchema = {
  entities: [SeriesPoint, MonitoringState, ConnectionHealth, AlertRule, AlertChannel, Alert, AlertEvent, AlertNotification],
  migrations: [Monitoring1764800000000, NotificationMessages1764800000001],
};
