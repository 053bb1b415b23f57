// A customer's grants of a feature: how they are created from plan items,
// which of them count (live), the order Autumn deducts from them in, and
// their lazy resets. Every rule here is one of autumn-behaviours.md
// (numbers in comments refer to it).

import { INTERVAL_RANK, nextBoundaryAfter } from "./time.js";
import { nextId, type CustomerProduct, type CustomerRecord, type Grant, type SandboxState } from "./state.js";
import type { StoredPlan } from "./wire.js";
import { rollAtReset, rolloverConfigFor } from "./rollovers.js";

// ── Creating grants ────────────────────────────────────────────────────────

/** Grants for every item of `plan`, attached to customer product `cp`. */
export function grantsForPlan(
  state: SandboxState,
  plan: StoredPlan,
  cp: CustomerProduct,
  now: number,
  resetAnchor: number,
): Grant[] {
  return plan.items.map((item) => {
    const prepaid = cp.feature_quantities.find((q) => q.feature_id === item.feature_id)?.quantity ?? 0;
    const reset = item.reset && item.reset.interval !== "one_off"
      ? { interval: item.reset.interval, interval_count: item.reset.interval_count ?? 1 }
      : null;
    const rollover = rolloverConfigFor(state, plan.id, item.feature_id);
    return {
      ...(rollover ? { rollover_config: rollover, rollovers: [] } : {}),
      id: nextId(state, "cus_ent"),
      customer_product_id: cp.id,
      plan_id: plan.id,
      feature_id: item.feature_id,
      included_grant: item.included,
      prepaid_grant: item.price?.billing_method === "prepaid" ? prepaid : 0,
      usage: 0,
      unlimited: item.unlimited,
      reset,
      reset_anchor: reset ? resetAnchor : null,
      next_reset_at: reset ? nextBoundaryAfter(resetAnchor, reset.interval, reset.interval_count, now) : null,
      expires_at: null,
      overage_allowed: item.price?.billing_method === "usage_based",
      max_purchase: item.price?.max_purchase ?? null,
      billing_method: item.price?.billing_method ?? null,
      add_on: plan.add_on,
      created_at: now,
    };
  });
}

// ── Which grants count ─────────────────────────────────────────────────────

export function isLive(customer: CustomerRecord, g: Grant, now: number): boolean {
  if (g.expires_at !== null && g.expires_at <= now) return false;
  if (g.customer_product_id === null) return true;
  const cp = customer.products.find((p) => p.id === g.customer_product_id);
  return cp?.status === "active";
}

export function granted(g: Grant): number {
  return g.included_grant + g.prepaid_grant;
}

/** Units of `featureId` one unit of grant `g` is worth the inverse of (credits per unit). */
export function rateFor(state: SandboxState, g: Grant, featureId: string): number {
  if (g.feature_id === featureId) return 1;
  const credit = state.features[g.feature_id];
  return credit?.credit_schema?.find((c) => c.metered_feature_id === featureId)?.credit_cost ?? 0;
}

/** Credit systems that can pay for `featureId`. */
function creditSystemsFor(state: SandboxState, featureId: string): string[] {
  return Object.values(state.features)
    .filter((f) => f.type === "credit_system" && f.credit_schema?.some((c) => c.metered_feature_id === featureId))
    .map((f) => f.id);
}

/**
 * Live grants that can serve `featureId` in Autumn's deduction order (#10):
 * boolean first, credit systems last; unlimited before limited; with a reset
 * before one-off; shorter interval first; sooner expiry first; main plan
 * before add-on; prepaid before usage-based; then creation order.
 */
export function grantsInOrder(state: SandboxState, customer: CustomerRecord, featureId: string, now: number): Grant[] {
  const credits = new Set(creditSystemsFor(state, featureId));
  const typeRank = (g: Grant): number => {
    const t = state.features[g.feature_id]?.type;
    if (t === "boolean") return 0;
    return credits.has(g.feature_id) ? 2 : 1;
  };
  return customer.grants
    .filter((g) => (g.feature_id === featureId || credits.has(g.feature_id)) && isLive(customer, g, now))
    .sort((a, b) =>
      typeRank(a) - typeRank(b) ||
      Number(b.unlimited) - Number(a.unlimited) ||
      Number(a.reset === null) - Number(b.reset === null) ||
      (INTERVAL_RANK[a.reset?.interval ?? ""] ?? 99) - (INTERVAL_RANK[b.reset?.interval ?? ""] ?? 99) ||
      (a.expires_at ?? Infinity) - (b.expires_at ?? Infinity) ||
      Number(a.add_on) - Number(b.add_on) ||
      Number(a.billing_method === "usage_based") - Number(b.billing_method === "usage_based") ||
      a.created_at - b.created_at ||
      a.id.localeCompare(b.id),
    );
}

// ── Resets (#18, #19) ──────────────────────────────────────────────────────

/** Lazily apply every reset that is due; returns true when something changed. */
export function applyDueResets(customer: CustomerRecord, now: number): boolean {
  let changed = false;
  for (const g of customer.grants) {
    if (!g.reset || g.next_reset_at === null || g.next_reset_at > now || g.reset_anchor === null) continue;
    if (g.rollover_config) {
      // Each boundary rolls its own leftover (§3), so walk them one by one.
      for (let at = g.next_reset_at; at <= now;) {
        const next = nextBoundaryAfter(g.reset_anchor, g.reset.interval, g.reset.interval_count, at);
        const boundary = at;
        rollAtReset(g, next, at, () => `roll_${boundary}_${g.id}`);
        g.usage = 0;
        at = next;
      }
    }
    g.usage = 0; // a negative free balance resets to the full allowance too (#19)
    g.next_reset_at = nextBoundaryAfter(g.reset_anchor, g.reset.interval, g.reset.interval_count, now);
    changed = true;
  }
  return changed;
}
