import { Module } from '@nestjs/common';
import { ConnectionAccess } from './connection-access';
import { ConnectionLifecycle } from './connection-lifecycle';
import { ConnectionPlanLimit } from './connection-plan-limit';
import { ConnectionStatusService } from './connection-status.service';
import { ConnectionsService } from './connections.service';
import { OAuthAppsService } from './oauth-apps.service';
import { OAuthFlowService } from './oauth-flow.service';
import { OAuthStateStore } from './oauth-state.store';
import { TokenRefresher } from './token-refresher.service';

/**
 * Connections, OAuth and token refresh (issue 3). Exports ConnectionAccess for the sync engine and
 * actions; the API root mounts `connectionControllers`.
 */
@Module({
  providers: [
    ConnectionsService, ConnectionStatusService, TokenRefresher, OAuthAppsService, OAuthStateStore, OAuthFlowService, ConnectionLifecycle, ConnectionPlanLimit,
    { provide: ConnectionAccess, useExisting: ConnectionsService },
  ],
  exports: [ConnectionAccess, ConnectionsService, OAuthFlowService, OAuthAppsService, ConnectionLifecycle],
})
export class ConnectionsModule {}
