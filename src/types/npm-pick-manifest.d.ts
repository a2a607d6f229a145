declare module 'npm-pick-manifest' {
  /** npm's own version picking: the manifest of the best version of a packument for a spec. */
  function pickManifest(
    packument: Record<string, unknown>,
    wanted: string,
    opts?: { defaultTag?: string; before?: Date | string | number; nodeVersion?: string },
  ): Record<string, unknown> & { name: string; version: string; dist?: { integrity?: string; shasum?: string; tarball?: string } };
  export default pickManifest;
}
