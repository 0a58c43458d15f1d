import { Core1764000000000 } from './1764000000000-core.migration';

/** Every migration, in order. Add each new file here: no globs (they break under some loaders). */
export const migrations = [Core1764000000000];
