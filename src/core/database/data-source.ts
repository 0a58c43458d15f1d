import type { DataSourceOptions } from 'typeorm';
import { coreEntities } from './entities';
import { migrations as coreMigrations } from './migrations';

/** The tables a process knows: the core's, plus those of the domain areas its root composes. */
export interface DatabaseSchema {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}

export const coreSchema: DatabaseSchema = { entities: coreEntities, migrations: coreMigrations };

export function dataSourceOptions(url: string, poolSize = 10, schema: DatabaseSchema = coreSchema): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    installExtensions: false,
    extra: { max: poolSize },
  };
}
