import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { coreSchema, dataSourceOptions, type DatabaseSchema } from './data-source';

@Module({})
export class DatabaseModule {
  /** `schema` lists every entity and migration of the process (core plus domain areas), explicitly. */
  static forRoot(schema: DatabaseSchema = coreSchema): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [PLUGBOARD_CONFIG],
          useFactory: (c: PlugboardConfig) => ({
            ...dataSourceOptions(c.DATABASE_URL, c.DATABASE_POOL_SIZE, schema),
            migrationsRun: c.MIGRATE_ON_BOOT,
            // a wrong DATABASE_URL should fail the boot quickly, not after minutes of retries
            retryAttempts: c.NODE_ENV === 'production' ? 10 : 1,
            retryDelay: 1000,
          }),
        }),
      ],
    };
  }
}
