/** Schema version 1: package results, file results, version → integrity, packuments. */
export default `
CREATE TABLE packages (
  integrity   TEXT    NOT NULL,
  analyzer    TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  version     TEXT    NOT NULL,
  report      TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  used_at     INTEGER NOT NULL,
  PRIMARY KEY (integrity, analyzer)
) WITHOUT ROWID;

CREATE TABLE files (
  sha256      TEXT    NOT NULL,
  mode        TEXT    NOT NULL,
  analyzer    TEXT    NOT NULL,
  result      TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  used_at     INTEGER NOT NULL,
  PRIMARY KEY (sha256, mode, analyzer)
) WITHOUT ROWID;

CREATE TABLE versions (
  registry    TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  version     TEXT    NOT NULL,
  integrity   TEXT    NOT NULL,
  PRIMARY KEY (registry, name, version)
) WITHOUT ROWID;

CREATE TABLE packuments (
  registry      TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  etag          TEXT,
  last_modified TEXT,
  body          TEXT    NOT NULL,
  fetched_at    INTEGER NOT NULL,
  PRIMARY KEY (registry, name)
) WITHOUT ROWID;

CREATE INDEX packages_used ON packages (used_at);
CREATE INDEX files_used ON files (used_at);
`;
