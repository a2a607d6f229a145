import { catalog, SEVERITY_ORDER } from '../../capabilities/index.js';
import type { Risk } from '../contract/index.js';

const SEVERITY = new Map(catalog.map((c) => [c.id, SEVERITY_ORDER.indexOf(c.severity)]));
const HIGH = SEVERITY_ORDER.indexOf('high');
const MEDIUM = SEVERITY_ORDER.indexOf('medium');

/**
 * The risk of a change, from the catalog severity of what it adds (own or transitive); `low` when
 * it adds nothing but new call sites (findings unmatched by diffFindings: identical code re-reported
 * is never new), `none` otherwise.
 */
export function riskOf(addedCapabilities: readonly string[], newFindings: number): Risk {
  const worst = Math.max(-1, ...addedCapabilities.map((c) => SEVERITY.get(c) ?? MEDIUM));
  if (worst >= HIGH) return 'high';
  if (worst >= MEDIUM) return 'medium';
  return worst >= 0 || newFindings > 0 ? 'low' : 'none';
}
