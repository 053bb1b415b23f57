// Rendering balances: sums a feature's live grants (and rollover pots) into
// the Balance object Autumn returns (2.1+ shape, remaining floored at 0),
// a boolean feature into its flag, and lists the features a customer holds.

import type { CustomerRecord, Grant, SandboxState } from "./state.js";
import { renderFeature } from "./catalogRender.js";
import { granted, grantsInOrder, isLive } from "./grants.js";
import { livePots, potRemaining, renderPots } from "./rollovers.js";

// 2.1+ floors remaining at 0: overage shows as usage > granted (§1.4, #8, #14).
function remainingOf(g: Grant): number {
  return Math.max(0, granted(g) - g.usage);
}

export function renderBalance(
  state: SandboxState,
  customer: CustomerRecord,
  featureId: string,
  now: number,
  expandFeature = false,
): Record<string, unknown> | null {
  const grants = customer.grants.filter((g) => g.feature_id === featureId && isLive(customer, g, now));
  const f = state.features[featureId];
  if (grants.length === 0 || !f || f.type === "boolean") return null;
  const limited = grants.filter((g) => !g.unlimited);
  const unlimited = grants.some((g) => g.unlimited);
  const resets = grants.map((g) => g.next_reset_at).filter((x): x is number => x !== null);
  const overage = grants.find((g) => g.overage_allowed);
  const ordered = grantsInOrder(state, customer, featureId, now).filter((g) => g.feature_id === featureId);
  const pots = renderPots(limited, now);
  const potGranted = limited.reduce((s, g) => s + livePots(g, now).reduce((x, r) => x + r.balance + r.usage, 0), 0);
  const potUsage = limited.reduce((s, g) => s + livePots(g, now).reduce((x, r) => x + r.usage, 0), 0);
  return {
    feature_id: featureId,
    ...(expandFeature ? { feature: renderFeature(f) } : {}),
    granted: limited.reduce((s, g) => s + granted(g), 0) + potGranted,
    remaining: limited.reduce((s, g) => s + remainingOf(g) + potRemaining(g, now), 0),
    usage: grants.reduce((s, g) => s + g.usage, 0) + potUsage,
    unlimited,
    overage_allowed: Boolean(overage),
    max_purchase: overage?.max_purchase ?? null,
    next_reset_at: resets.length ? Math.min(...resets) : null,
    breakdown: ordered.map((g) => ({
      id: g.id,
      plan_id: g.plan_id,
      included_grant: g.included_grant,
      prepaid_grant: g.prepaid_grant,
      remaining: g.unlimited ? 0 : remainingOf(g),
      usage: g.usage,
      unlimited: g.unlimited,
      reset: g.reset && g.next_reset_at !== null
        ? { interval: g.reset.interval, interval_count: g.reset.interval_count, resets_at: g.next_reset_at }
        : null,
      price: null,
      expires_at: g.expires_at,
    })),
    ...(pots ? { rollovers: pots } : {}),
  };
}

export function renderFlag(state: SandboxState, customer: CustomerRecord, featureId: string, now: number, expandFeature = false): Record<string, unknown> | null {
  const f = state.features[featureId];
  if (!f || f.type !== "boolean") return null;
  const g = customer.grants.find((x) => x.feature_id === featureId && isLive(customer, x, now));
  if (!g) return null;
  return {
    id: g.id,
    plan_id: g.plan_id,
    expires_at: g.expires_at,
    feature_id: featureId,
    ...(expandFeature ? { feature: renderFeature(f) } : {}),
  };
}

/** Feature ids the customer holds a live grant of, split by kind. */
export function heldFeatures(state: SandboxState, customer: CustomerRecord, now: number): { metered: string[]; flags: string[] } {
  const ids = new Set(customer.grants.filter((g) => isLive(customer, g, now)).map((g) => g.feature_id));
  const metered: string[] = [];
  const flags: string[] = [];
  for (const id of ids) (state.features[id]?.type === "boolean" ? flags : metered).push(id);
  return { metered: metered.sort(), flags: flags.sort() };
}
