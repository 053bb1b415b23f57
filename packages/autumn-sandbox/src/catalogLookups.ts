// Catalog lookups: the latest or a given version of a plan, a feature that
// must exist (404 otherwise), and whether a plan, version or feature is in
// use (which decides between versioning/archiving and editing/deleting).

import { notFound } from "./errors.js";
import type { SandboxState } from "./state.js";
import type { StoredPlan, WireFeature } from "./wire.js";

export function latestPlan(state: SandboxState, planId: string): StoredPlan | undefined {
  const versions = state.plans[planId];
  return versions?.[versions.length - 1];
}

export function planVersion(state: SandboxState, planId: string, version?: number): StoredPlan {
  const versions = state.plans[planId];
  const plan = version === undefined ? versions?.[versions.length - 1] : versions?.find((v) => v.version === version);
  if (!plan) throw notFound.plan(planId);
  return plan;
}

export function requireFeature(state: SandboxState, featureId: string): WireFeature {
  const f = state.features[featureId];
  if (!f) throw notFound.feature(featureId);
  return f;
}

export function planInUse(state: SandboxState, planId: string): boolean {
  return Object.values(state.customers).some((c) =>
    c.products.some((p) => p.plan_id === planId && p.status !== "expired"));
}

export function versionInUse(state: SandboxState, planId: string, version: number): boolean {
  return Object.values(state.customers).some((c) =>
    c.products.some((p) => p.plan_id === planId && p.version === version && p.status !== "expired"));
}

export function featureInUse(state: SandboxState, featureId: string): boolean {
  return Object.values(state.plans).some((versions) =>
    versions.some((v) => !v.archived && v.items.some((i) => i.feature_id === featureId)));
}
