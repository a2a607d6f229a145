/**
 * The JSON contract (docs/CONTRACT.md, schemaVersion 1): the shapes every command prints. The engine,
 * the commands and the formatters all import them from here. Extend freely; renaming or removing a
 * field, or changing a meaning, needs schemaVersion 2.
 */
export type * from './scan.js';
export type * from './diff.js';
export type * from './history.js';
export type * from './audit.js';
export type * from './gate.js';
export type * from './scripts.js';
export type * from './cache-query.js';
