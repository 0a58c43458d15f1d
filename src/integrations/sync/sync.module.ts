import { Module } from '@nestjs/common';

/** The sync engine: runs, records store, change feed (issue 3). */
@Module({})
export class SyncModule {}
