import init from './001-init.js';

/** Numbered migrations: entry i brings the schema from user_version i to i + 1. Append only. */
export const MIGRATIONS: readonly string[] = [init];
