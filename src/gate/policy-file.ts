/** Where the gate's policy lives and which schema describes it: constants the CLI's help shows without loading the policy reader. */

/** Where the gate looks for the policy, relative to the repository root. */
export const POLICY_FILE = 'depcaps.policy.json';

/**
 * The `$schema` a written policy points at, so editors complete and explain its keys. It resolves once
 * the package is published: `schema/` ships in the npm package (`npm run pack-check` checks it).
 */
export const POLICY_SCHEMA_URL = 'https://unpkg.com/depcaps/schema/depcaps.policy.schema.json';
