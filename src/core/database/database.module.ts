import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { dataSourceOptions } from './data-source';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [PLUGBOARD_CONFIG],
      useFactory: (c: PlugboardConfig) => ({
        ...dataSourceOptions(c.DATABASE_URL, c.DATABASE_POOL_SIZE),
        migrationsRun: c.MIGRATE_ON_BOOT,
        // a wrong DATABASE_URL should fail the boot quickly, not after minutes of retries
        retryAttempts: c.NODE_ENV === 'production' ? 10 : 1,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
