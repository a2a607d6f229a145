import type pg from 'pg';
import type { SharedStoreConfig } from './connection.js';
import { SHARED_MIGRATIONS, type SharedMigration } from './migrations/index.js';

/** A package the run needs: by registry + name + version, and by tarball integrity when a lockfile gives it. */
export interface LookupKey {
  registry: string;
  name: string;
  version: string;
  integrity?: string;
}

/** A stored result found for a key. */
export interface LookupRow {
  /** The key it answers. */
  registry: string;
  wantName: string;
  wantVersion: string;
  /** What the store's version map says `registry`'s name@version is (null: nobody recorded it). */
  mapped: string | null;
  /** The result's own key and content. */
  integrity: string;
  name: string;
  version: string;
  report: string;
}

/** One capability of a package result, per "when it runs" (empty when the analyzer did not say). */
export interface CapabilityRow {
  capability: string;
  runs: string;
  findings: number;
}

/** A package result to publish. */
export interface PublishEntry {
  integrity: string;
  analyzer: string;
  name: string;
  version: string;
  toolVersion: string;
  /** The scan report as JSON text, stored byte for byte. */
  report: string;
  capabilities: readonly CapabilityRow[];
  registryVersion?: { registry: string; name: string; version: string };
}

/** A row of `depcaps cache query`. */
export interface CapabilityQueryRow {
  name: string;
  version: string;
  integrity: string;
  analyzer: string;
  tool_version: string;
  capability: string;
  runs: string;
  findings: number;
}

/** Why the store cannot be used, in words for the one warning. */
export class SharedStoreUnavailable extends Error {}

/**
 * The advisory lock that serialises schema migrations across every depcaps process on one database
 * (two int4 keys: "depc", "aps ").
 */
const MIGRATION_LOCK = [0x64657063, 0x61707320] as const;

/** Round trips and time spent, for the benchmark and the end-of-run line. */
export interface SharedStoreCounters {
  connections: number;
  roundTrips: number;
  ms: number;
}

/**
 * The only place that speaks SQL to PostgreSQL. Every statement is one round trip; a batch of package
 * results is published by ONE statement (one implicit transaction), so a result is stored whole or not
 * at all, and concurrent writers of the same result meet `ON CONFLICT DO NOTHING`.
 */
export class SharedStore {
  readonly counters: SharedStoreCounters;
  /** The session is read-only (the server refuses writes in it, too). */
  readonly readOnly: boolean;
  private readonly client: pg.Client;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(client: pg.Client, readOnly: boolean, counters: SharedStoreCounters) {
    this.client = client;
    this.readOnly = readOnly;
    this.counters = counters;
  }

  /**
   * Connects, and brings the schema up to date under the migration lock (a writer only). node-postgres
   * is loaded here, so commands without a cache URL never load it.
   * @throws SharedStoreUnavailable when the schema is missing (read-only), too old (read-only) or too new.
   * @throws Error from node-postgres when the server is unreachable, slow or refuses the login.
   */
  static async open(config: SharedStoreConfig, onConnectionError: (err: Error) => void, migrations: readonly SharedMigration[] = SHARED_MIGRATIONS): Promise<SharedStore> {
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({
      connectionString: config.connectionString,
      connectionTimeoutMillis: config.timeoutMs,
      query_timeout: config.timeoutMs,
      keepAlive: true,
      application_name: 'depcaps',
    });
    // An idle connection that dies emits 'error'; without a listener node would crash the process.
    client.on('error', onConnectionError);
    const counters: SharedStoreCounters = { connections: 1, roundTrips: 0, ms: 0 };
    const started = Date.now();
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    } finally {
      counters.ms += Date.now() - started;
    }
    const store = new SharedStore(client, config.readonly, counters);
    try {
      await store.prepareSchema(migrations);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /**
   * Sends one statement after the previous one has finished: a lookup and a publish of the same run
   * take turns on the connection (node-postgres deprecates queueing on a busy client).
   */
  private query<R extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    const run = async (): Promise<pg.QueryResult<R>> => {
      const started = Date.now();
      this.counters.roundTrips++;
      try {
        return await this.client.query<R>(text, params);
      } finally {
        this.counters.ms += Date.now() - started;
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Checks the schema version (one round trip when current) and migrates when this is a writer. */
  private async prepareSchema(migrations: readonly SharedMigration[]): Promise<void> {
    // One simple-protocol round trip: the session's read-only guard and the version probe.
    const probe = `SELECT (SELECT max(version) FROM depcaps.migrations) AS version, (SELECT max(compatible_from) FROM depcaps.migrations) AS compatible_from`;
    const exists = `SELECT to_regclass('depcaps.migrations') IS NOT NULL AS present`;
    const first = (await this.query<{ present: boolean }>(`${this.readOnly ? 'SET default_transaction_read_only = on; ' : ''}${exists}`)) as unknown;
    const results = (Array.isArray(first) ? first : [first]) as pg.QueryResult<{ present: boolean }>[];
    const present = results[results.length - 1]!.rows[0]?.present === true;
    let version = 0;
    let compatibleFrom = 0;
    if (present) {
      const row = (await this.query<{ version: number | null; compatible_from: number | null }>(probe)).rows[0];
      version = row?.version ?? 0;
      compatibleFrom = row?.compatible_from ?? 0;
    }
    const known = migrations.length;
    if (compatibleFrom > known) {
      throw new SharedStoreUnavailable(`the store was migrated by a newer depcaps (schema ${version}, readable from schema ${compatibleFrom} on; this depcaps knows ${known}): upgrade depcaps`);
    }
    if (version >= known) return;
    if (this.readOnly) {
      throw new SharedStoreUnavailable(
        version === 0
          ? 'the store has no depcaps schema yet (a writer, such as CI, creates it on its first run)'
          : `the store has schema ${version} and this depcaps needs ${known} (a writer, such as CI, migrates it on its next run)`,
      );
    }
    await this.migrate(migrations);
  }

  /** Applies the missing migrations in one transaction, holding the advisory lock: racing processes take turns. */
  private async migrate(migrations: readonly SharedMigration[]): Promise<void> {
    await this.query('BEGIN');
    try {
      await this.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
      await this.query('CREATE SCHEMA IF NOT EXISTS depcaps');
      await this.query(
        `CREATE TABLE IF NOT EXISTS depcaps.migrations (
           version integer PRIMARY KEY, name text NOT NULL, compatible_from integer NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user)`,
      );
      // Re-read under the lock: another process may have migrated while we waited.
      const current = (await this.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM depcaps.migrations')).rows[0]?.v ?? 0;
      for (const m of migrations.slice(current)) {
        await this.query(m.sql);
        await this.query('INSERT INTO depcaps.migrations (version, name, compatible_from) VALUES ($1, $2, $3)', [m.version, m.name, m.compatibleFrom]);
      }
      await this.query('COMMIT');
    } catch (err) {
      await this.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /**
   * The results of `analyzer` for a batch of keys, in ONE round trip: by the key's integrity when given
   * (a lockfile), else by the integrity the version map records for registry + name + version.
   */
  async lookup(keys: readonly LookupKey[], analyzer: string): Promise<LookupRow[]> {
    if (keys.length === 0) return [];
    const result = await this.query<{ registry: string; want_name: string; want_version: string; mapped: string | null; integrity: string; name: string; version: string; report: string }>(
      `WITH want AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS w(registry, name, version, integrity)
       )
       SELECT w.registry, w.name AS want_name, w.version AS want_version, v.integrity AS mapped,
              p.integrity, p.name, p.version, p.report
       FROM want w
       LEFT JOIN depcaps.versions v ON v.registry = w.registry AND v.name = w.name AND v.version = w.version
       JOIN depcaps.packages p ON p.integrity = coalesce(w.integrity, v.integrity) AND p.analyzer = $5`,
      [keys.map((k) => k.registry), keys.map((k) => k.name), keys.map((k) => k.version), keys.map((k) => k.integrity ?? null), analyzer],
    );
    return result.rows.map((r) => ({
      registry: r.registry,
      wantName: r.want_name,
      wantVersion: r.want_version,
      mapped: r.mapped,
      integrity: r.integrity,
      name: r.name,
      version: r.version,
      report: r.report,
    }));
  }

  /**
   * Publishes a batch of results in ONE statement: package rows and their capability rows are
   * inserted with ON CONFLICT DO NOTHING (a result is immutable: whoever stored it first, it is the
   * same analysis of the same bytes), the version map is updated when the registry now says otherwise.
   * One statement is one transaction: a batch is stored whole or not at all.
   * @returns how many package rows were new.
   */
  async publish(entries: readonly PublishEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const packages = new Map<string, PublishEntry>();
    for (const e of entries) packages.set(`${e.integrity}\0${e.analyzer}`, e);
    const caps = [...packages.values()].flatMap((e) => e.capabilities.map((c) => ({ ...c, integrity: e.integrity, analyzer: e.analyzer })));
    const versions = new Map<string, { registry: string; name: string; version: string; integrity: string }>();
    for (const e of packages.values()) if (e.registryVersion) versions.set(`${e.registryVersion.registry}\0${e.registryVersion.name}\0${e.registryVersion.version}`, { ...e.registryVersion, integrity: e.integrity });
    // Every writer inserts in the same key order, so two runners storing overlapping batches wait on
    // each other's rows in one direction and cannot deadlock; a deadlock or serialisation failure
    // the server still reports (another schema's triggers, a future index) is retried.
    const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const p = [...packages.entries()].sort(([a], [b]) => byKey(a, b)).map(([, e]) => e);
    caps.sort((a, b) => byKey(`${a.integrity}\0${a.analyzer}\0${a.capability}\0${a.runs}`, `${b.integrity}\0${b.analyzer}\0${b.capability}\0${b.runs}`));
    const v = [...versions.entries()].sort(([a], [b]) => byKey(a, b)).map(([, r]) => r);
    const result = await this.retryConflicts(() => this.query<{ inserted: number }>(
      `WITH p AS (
         INSERT INTO depcaps.packages (integrity, analyzer, name, version, tool_version, report)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT DO NOTHING
         RETURNING 1
       ), c AS (
         INSERT INTO depcaps.capabilities (integrity, analyzer, capability, runs, findings)
         SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::int[])
         ON CONFLICT DO NOTHING
       ), v AS (
         INSERT INTO depcaps.versions AS old (registry, name, version, integrity)
         SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::text[])
         ON CONFLICT (registry, name, version) DO UPDATE SET integrity = excluded.integrity, seen_at = now()
         WHERE old.integrity <> excluded.integrity
       )
       SELECT count(*)::int AS inserted FROM p`,
      [
        p.map((e) => e.integrity),
        p.map((e) => e.analyzer),
        p.map((e) => e.name),
        p.map((e) => e.version),
        p.map((e) => e.toolVersion),
        p.map((e) => e.report),
        caps.map((c) => c.integrity),
        caps.map((c) => c.analyzer),
        caps.map((c) => c.capability),
        caps.map((c) => c.runs),
        caps.map((c) => c.findings),
        v.map((r) => r.registry),
        v.map((r) => r.name),
        v.map((r) => r.version),
        v.map((r) => r.integrity),
      ],
    ));
    return result.rows[0]?.inserted ?? 0;
  }

  /** Runs one statement again (up to three times) when the server aborted it as a deadlock victim or a serialisation failure. */
  private async retryConflicts<T>(statement: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await statement();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw err;
      }
    }
  }

  /**
   * Package versions with any of `capabilities` (with `runs`: only rows of those "when it runs" values).
   * One result per tarball: this analyzer's when the store has it, else the newest. One round trip.
   */
  async queryCapabilities(filter: { capabilities: readonly string[]; runs?: readonly string[]; analyzer: string }): Promise<CapabilityQueryRow[]> {
    const result = await this.query<CapabilityQueryRow>(
      `WITH chosen AS (
         SELECT DISTINCT ON (integrity) integrity, analyzer, name, version, tool_version
         FROM depcaps.packages
         ORDER BY integrity, (analyzer = $3::text) DESC, created_at DESC
       )
       SELECT ch.name, ch.version, ch.integrity, ch.analyzer, ch.tool_version, c.capability, c.runs, c.findings
       FROM chosen ch JOIN depcaps.capabilities c USING (integrity, analyzer)
       WHERE c.capability = ANY($1::text[])
         AND ($2::text[] IS NULL OR c.runs = ANY($2::text[]))
       ORDER BY ch.name, ch.version, ch.integrity, c.capability, c.runs`,
      [filter.capabilities, filter.runs && filter.runs.length > 0 ? filter.runs : null, filter.analyzer],
    );
    return result.rows;
  }

  /** How many package results the store holds, for this analyzer and in all. One round trip. */
  async count(analyzer: string): Promise<{ packages: number; current: number; versions: number }> {
    const row = (
      await this.query<{ packages: number; current: number; versions: number }>(
        `SELECT (SELECT count(*)::int FROM depcaps.packages) AS packages,
                (SELECT count(*)::int FROM depcaps.packages WHERE analyzer = $1) AS current,
                (SELECT count(*)::int FROM depcaps.versions) AS versions`,
        [analyzer],
      )
    ).rows[0];
    return row ?? { packages: 0, current: 0, versions: 0 };
  }

  /** Closes the connection (never throws). */
  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
