/**
 * Shared schema 1: package results by (tarball integrity, analyzer version), the registry's
 * version → integrity map, and one row per (package result, capability, when it runs) for org queries.
 * Everything lives in schema `depcaps`, so the store can share a database with other tools.
 */
export default `
CREATE TABLE depcaps.packages (
  integrity     text        NOT NULL,
  analyzer      text        NOT NULL,
  name          text        NOT NULL,
  version       text        NOT NULL,
  tool_version  text        NOT NULL,
  report        text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text        NOT NULL DEFAULT current_user,
  PRIMARY KEY (integrity, analyzer)
);
CREATE INDEX packages_name_version ON depcaps.packages (name, version);

CREATE TABLE depcaps.versions (
  registry      text        NOT NULL,
  name          text        NOT NULL,
  version       text        NOT NULL,
  integrity     text        NOT NULL,
  seen_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (registry, name, version)
);

CREATE TABLE depcaps.capabilities (
  integrity     text        NOT NULL,
  analyzer      text        NOT NULL,
  capability    text        NOT NULL,
  runs          text        NOT NULL,
  findings      integer     NOT NULL,
  PRIMARY KEY (integrity, analyzer, capability, runs),
  FOREIGN KEY (integrity, analyzer) REFERENCES depcaps.packages ON DELETE CASCADE
);
CREATE INDEX capabilities_by_capability ON depcaps.capabilities (capability, runs, analyzer);

COMMENT ON COLUMN depcaps.capabilities.runs IS 'when the code runs (install, import, call, unreached); empty when the analyzer did not record it';

CREATE VIEW depcaps.package_capabilities AS
  SELECT p.name, p.version, p.integrity, p.analyzer, p.tool_version, c.capability, c.runs, c.findings, p.created_at, p.created_by
  FROM depcaps.capabilities c JOIN depcaps.packages p USING (integrity, analyzer);
`;
