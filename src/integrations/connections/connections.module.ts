import { Module } from '@nestjs/common';

/** Connections, OAuth and token refresh (issue 3). */
@Module({})
export class ConnectionsModule {}
