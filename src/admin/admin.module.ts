import { Module } from '@nestjs/common';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { BillingModule } from '../billing';
import { IntegrationsModule } from '../integrations';
import { WebhooksModule } from '../integrations/webhooks';
import { MonitoringModule } from '../monitoring';
import { WorkflowsModule } from '../workflows';
import { AdminPages } from './admin-pages.service';
import { AdminTenantContext } from './admin-scope';
import { AdminAlertsController } from './pages/admin-alerts.controller';
import { AdminAuditController } from './pages/admin-audit.controller';
import { AdminBillingController } from './pages/admin-billing.controller';
import { AdminAuthController } from './pages/admin-auth.controller';
import { AdminConflictsController } from './pages/admin-conflicts.controller';
import { AdminConnectionsController } from './pages/admin-connections.controller';
import { AdminDashboardController } from './pages/admin-dashboard.controller';
import { AdminPluginsController } from './pages/admin-plugins.controller';
import { AdminSyncRunsController } from './pages/admin-sync-runs.controller';
import { AdminTenantsController } from './pages/admin-tenants.controller';
import { AdminWebhooksController } from './pages/admin-webhooks.controller';
import { AdminWorkflowsController } from './pages/admin-workflows.controller';
import { AuditQuery } from './queries/audit.query';
import { ConflictsQuery } from './queries/conflicts.query';
import { ConnectionsQuery } from './queries/connections.query';
import { IncidentsQuery } from './queries/incidents.query';
import { RecordsQuery } from './queries/records.query';
import { SyncRunsQuery } from './queries/sync-runs.query';
import { TenantsQuery } from './queries/tenants.query';
import { AdminLogin } from './session/admin-login.service';
import { AdminSessions } from './session/admin-sessions.service';
import { CsrfTokens } from './session/csrf';
import { TenantSections } from './tenant-sections.service';

/**
 * The server-rendered admin panel at /admin (issue 8): operators' and tenant owners' pages over the
 * other areas' data. Reads are the panel's own paginated queries (src/admin/queries); every action
 * is the owning area's service, run in the tenant's context. Mounted by the API root; its Fastify
 * side (views, static files, CSP, Bull Board) is set up by configureAdmin.
 */
@Module({
  imports: [IntegrationsModule, WebhooksModule, WorkflowsModule, MonitoringModule, BillingModule],
  controllers: [
    AdminAuthController, AdminDashboardController, AdminTenantsController, AdminConnectionsController, AdminSyncRunsController,
    AdminConflictsController, AdminWebhooksController, AdminWorkflowsController, AdminAlertsController, AdminPluginsController,
    AdminBillingController, AdminAuditController,
  ],
  providers: [
    AdminSessions, AdminLogin, AdminPages, AdminTenantContext, TenantSections,
    { provide: CsrfTokens, inject: [PLUGBOARD_CONFIG], useFactory: (c: PlugboardConfig) => new CsrfTokens(c.JWT_SECRET) },
    TenantsQuery, ConnectionsQuery, SyncRunsQuery, RecordsQuery, ConflictsQuery, AuditQuery, IncidentsQuery,
  ],
  exports: [AdminSessions],
})
export class AdminModule {}
