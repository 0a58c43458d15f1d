export * from './connection-access';
export * from './connection-lifecycle';
export * from './connections.module';
export { Connection, ConnectionTransition, OAuthState, OAuthApp, connectionEntities, CONNECTION_STATUSES, type ConnectionStatus } from './connection.entity';
export { connectionsSchema } from './connections.schema';
export { ConnectionsService, type ConnectionView, type CheckOutcome } from './connections.service';
export { ConnectionsController, OAuthCallbackController } from './connections.controller';
export { ConnectionNeedsReauthError } from './token-refresher.service';
export { clientEnvNames } from './oauth-apps.service';
