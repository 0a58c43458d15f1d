import type { DatabaseSchema } from '../../core/database';
import { Publishing1764750000000 } from './migrations/1764750000000-publishing.migration';
import { Publication, PublicationTarget } from './publication.entity';

/** The publishing tables, listed by the process roots in src/app/schema.ts. */
export const publishingSchema: DatabaseSchema = {
  entities: [Publication, PublicationTarget],
  migrations: [Publishing1764750000000],
};
