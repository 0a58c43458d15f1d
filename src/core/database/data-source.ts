import { DataSource, DataSourceOptions } from 'typeorm';
import { coreEntities } from './entities';
import { migrations } from './migrations';

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: coreEntities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    installExtensions: false,
    extra: { max: poolSize },
  };
}

/** For the TypeORM CLI (`-d`); the app builds its own from the validated configuration. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/plugboard'));
