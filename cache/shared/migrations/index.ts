import init from './001-init.js';

/** A numbered migration of the shared schema. */
export interface SharedMigration {
  version: number;
  name: string;
  /**
   * The oldest schema version whose readers and writers still work after this migration. Additive
   * migrations keep it; a migration that changes what older depcaps versions read raises it to its own
   * version, and older depcaps versions then leave the store alone (one warning) instead of misreading it.
   */
  compatibleFrom: number;
  sql: string;
}

/** Migrations in order: entry i brings the shared schema from version i to i + 1. Append only. */
export const SHARED_MIGRATIONS: readonly SharedMigration[] = [{ version: 1, name: 'init', compatibleFrom: 1, sql: init }];
