import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { ConnectionsModule } from '../integrations/connections';
import { AlertEngine } from './alerts/alert-engine.service';
import { AlertRulesService } from './alerts/alert-rules.service';
import { AlertRulesController, AlertsController } from './alerts/alerts.controller';
import { ConditionEvaluator } from './alerts/condition-evaluator.service';
import { PlatformEventsSubscriber } from './alerts/platform-events.subscriber';
import { AnalyticsController } from './analytics/analytics.controller';
import { AnalyticsService } from './analytics/analytics.service';
import { AlertChannelsController, NotificationsController } from './channels/alert-channels.controller';
import { AlertChannelsService } from './channels/alert-channels.service';
import { ChannelMessenger } from './channels/channel-messenger.service';
import { ChannelSenders } from './channels/channel-senders';
import { Notifier } from './channels/notifier.service';
import { ConnectionChecks } from './health/connection-checks.service';
import { ConnectionHealthStore } from './health/connection-health.store';
import { IntegrationHealthController } from './health/integration-health.controller';
import { IntegrationHealthService } from './health/integration-health.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { MonitorService } from './monitor.service';
import { MONITORING_QUEUE } from './monitoring.constants';
import { SeriesBuffer } from './series/series-buffer.service';
import { SeriesStore } from './series/series.store';

/** The API root mounts these; every other process shares the module without them. */
export const monitoringControllers = [
  MetricsController, IntegrationHealthController, AlertsController, AlertRulesController, AlertChannelsController, NotificationsController, AnalyticsController,
];

/**
 * Monitoring, alerting and integration analytics (issue 7), in every process: each one observes its
 * own upstream calls and events, keeps this minute's figures and flushes them, and raises alerts.
 * The queue consumers (scheduled checks, rollups, notifications) are MonitoringWorkerModule's.
 */
@Module({
  imports: [ConnectionsModule, BullModule.registerQueue({ name: MONITORING_QUEUE })],
  providers: [
    MetricsService, SeriesStore, SeriesBuffer, ConnectionHealthStore, ConnectionChecks, IntegrationHealthService,
    AlertRulesService, AlertEngine, ConditionEvaluator, Notifier, ChannelSenders, ChannelMessenger, AlertChannelsService, PlatformEventsSubscriber,
    AnalyticsService, MonitorService,
  ],
  exports: [
    MetricsService, SeriesStore, SeriesBuffer, IntegrationHealthService, AlertEngine, AlertRulesService, AlertChannelsService, Notifier, ChannelMessenger,
    AnalyticsService, MonitorService, BullModule,
  ],
})
export class MonitoringModule {}
