import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../core/database';
import { schema } from './schema';

/** For the TypeORM CLI (`typeorm -d dist/app/data-source.js`); the app builds its own from the validated configuration. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/plugboard', 2, schema));
