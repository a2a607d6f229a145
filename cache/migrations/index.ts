import init from './001-init.js';
import limits from './002-limits.js';

/** Numbered migrations: entry i brings the schema from user_version i to i + 1. Append only. */
export const MIGRATIONS: readonly string[] = [init, limits];
