// The balance ledger: how grants of a feature are created from plan items,
// ordered for deduction, drawn down, refunded, reset and summed into the
// Balance object Autumn returns. Every rule here is one of
// autumn-behaviours.md (numbers in comments refer to it).

import { INTERVAL_RANK, nextBoundaryAfter } from "./time.js";
import { nextId, type CustomerProduct, type CustomerRecord, type Grant, type SandboxState } from "./state.js";
import type { StoredPlan, WireFeature } from "./wire.js";
import { renderFeature } from "./catalogRender.js";
import { livePots, potRemaining, potsInOrder, renderPots, rollAtReset, rolloverConfigFor } from "./rollovers.js";

export type DeductMode = "cap" | "overflow";

export interface Taken {
  grant_id: string;
  /** Set when the units came from (or went back to) one of the grant's rollover pots. */
  rollover_id?: string;
  /** Units of the grant's own feature (credits for a credit system). */
  amount: number;
}

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

// ── Drawing down and giving back ───────────────────────────────────────────

function feature(state: SandboxState, id: string): WireFeature | undefined {
  return state.features[id];
}

/**
 * How a deduction may go past the grants (controls.ts / enforcement.ts):
 * `plan` lets only usage-based grants take overage (up to max_purchase beyond
 * the grant), `allow` is the overage_allowed control set true (any grant),
 * `deny` the control set false. `spendCap` (a spend limit, in the pool's
 * units) replaces max_purchase and also binds overflow.
 */
export interface OveragePolicy {
  overage: "plan" | "allow" | "deny";
  spendCap?: number;
}

const overageOf = (gs: Grant[]): number => gs.filter((g) => !g.unlimited).reduce((s, g) => s + Math.max(0, g.usage - granted(g)), 0);

/**
 * Deduct `value` units of `featureId` (> 0). `cap` takes only what fits,
 * except where overage is allowed (usage-based price, up to max_purchase
 * beyond the grant, or the policy's spend cap) and for allocated features,
 * which are never clamped (#7, #8, #14); `overflow` takes everything but a
 * spend cap. Returns what was taken from which grant.
 */
export function deduct(
  state: SandboxState,
  customer: CustomerRecord,
  featureId: string,
  value: number,
  mode: DeductMode,
  now: number,
  policy: OveragePolicy = { overage: "plan" },
): Taken[] {
  const grants = grantsInOrder(state, customer, featureId, now);
  const taken: Taken[] = [];
  const take = (g: Grant, units: number): void => {
    if (units <= 0) return;
    const amount = units * rateFor(state, g, featureId);
    g.usage += amount;
    const prev = taken.find((t) => t.grant_id === g.id && !t.rollover_id);
    if (prev) prev.amount += amount;
    else taken.push({ grant_id: g.id, amount });
  };
  let left = value;
  // Rollovers drain before any main balance, soonest expiry first (§3).
  for (const g of grants) {
    const rate = rateFor(state, g, featureId);
    if (rate <= 0 || g.unlimited) continue;
    for (const pot of potsInOrder(g, now)) {
      if (left <= 1e-12) break;
      const units = Math.min(left, Math.max(0, pot.balance) / rate);
      if (units <= 0) continue;
      pot.balance -= units * rate;
      pot.usage += units * rate;
      taken.push({ grant_id: g.id, rollover_id: pot.id, amount: units * rate });
      left -= units;
    }
  }
  for (const g of grants) {
    if (left <= 0) break;
    const rate = rateFor(state, g, featureId);
    if (rate <= 0) continue;
    if (g.unlimited) { take(g, left); left = 0; break; }
    const avail = Math.max(0, granted(g) - g.usage) / rate;
    const units = Math.min(left, avail);
    take(g, units);
    left -= units;
  }
  if (left > 1e-9 && grants.length > 0) {
    const own = grants.filter((g) => g.feature_id === featureId);
    const poolId = own.length > 0 ? featureId : (grants[0] as Grant).feature_id;
    const pool = grants.filter((g) => g.feature_id === poolId && !g.unlimited);
    const rate = pool[0] ? rateFor(state, pool[0], featureId) : 1;
    const spendRoom = policy.spendCap === undefined ? Infinity : Math.max(0, policy.spendCap - overageOf(pool)) / (rate || 1);
    if (mode === "overflow") {
      const target = own[0] ?? (grants[0] as Grant);
      take(target, Math.min(left, spendRoom));
    } else {
      const allocated = feature(state, featureId)?.type === "metered" && feature(state, featureId)?.consumable === false;
      const overage = policy.overage === "deny" ? undefined
        : pool.find((g) => g.overage_allowed) ?? (policy.overage === "allow" ? pool[0] : undefined);
      if (overage) {
        let headroom = spendRoom;
        if (policy.spendCap === undefined && overage.overage_allowed && overage.max_purchase !== null) {
          headroom = Math.max(0, overage.max_purchase - Math.max(0, overage.usage - granted(overage))) / (rate || 1);
        }
        take(overage, Math.min(left, headroom));
      } else if (allocated && own.length > 0 && policy.overage !== "deny") {
        take(own[own.length - 1] as Grant, left);
      }
      // otherwise clamped: the rest is dropped (#7)
    }
  }
  return taken;
}

/** Give back `value` units (> 0) in deduction order; usage never drops below 0 (#6, #11). */
export function refund(state: SandboxState, customer: CustomerRecord, featureId: string, value: number, now: number): Taken[] {
  const taken: Taken[] = [];
  let left = value;
  const ordered = grantsInOrder(state, customer, featureId, now);
  for (const g of ordered) {
    const rate = rateFor(state, g, featureId);
    if (rate <= 0) continue;
    for (const pot of potsInOrder(g, now)) {
      if (left <= 0 || pot.usage <= 0) continue;
      const units = Math.min(left, pot.usage / rate);
      pot.usage -= units * rate;
      pot.balance += units * rate;
      taken.push({ grant_id: g.id, rollover_id: pot.id, amount: -units * rate });
      left -= units;
    }
  }
  for (const g of ordered) {
    if (left <= 0) break;
    const rate = rateFor(state, g, featureId);
    if (rate <= 0 || g.usage <= 0) continue;
    const units = Math.min(left, g.usage / rate);
    g.usage -= units * rate;
    taken.push({ grant_id: g.id, amount: -units * rate });
    left -= units;
  }
  return taken;
}

/** Give back exactly what a reservation took (lock release / smaller confirm). */
export function giveBack(customer: CustomerRecord, taken: Taken[], fraction = 1): Taken[] {
  const back: Taken[] = [];
  for (const t of [...taken].reverse()) {
    const g = customer.grants.find((x) => x.id === t.grant_id);
    if (!g) continue;
    if (t.rollover_id) {
      const pot = g.rollovers?.find((r) => r.id === t.rollover_id);
      if (!pot) continue;
      const back1 = Math.min(pot.usage, t.amount * fraction);
      pot.usage -= back1;
      pot.balance += back1;
      back.push({ grant_id: g.id, rollover_id: pot.id, amount: -back1 });
      continue;
    }
    const amount = Math.min(g.usage, t.amount * fraction);
    g.usage -= amount;
    back.push({ grant_id: g.id, amount: -amount });
  }
  return back;
}

// ── Allowed (autumn-api.md §4.2) ───────────────────────────────────────────

/** The ladder of §4.2 applied to one balance (the grants of a single feature), in units of that feature. */
function balanceAllows(state: SandboxState, grants: Grant[], required: number): boolean {
  if (grants.some((g) => g.unlimited)) return true;
  let capacity = 0;
  for (const g of grants) {
    capacity += Math.max(0, granted(g) - g.usage);
    if (g.overage_allowed) {
      if (g.max_purchase === null) return true;
      capacity += Math.max(0, g.max_purchase - Math.max(0, g.usage - granted(g)));
    }
  }
  return capacity + 1e-9 >= required;
}

/**
 * Whether a check for `required` units of `featureId` is allowed. Like the
 * real server (getCheckDataV2 → getFeatureToUseForCheck), ONE balance is
 * judged, not the sum: the feature's own if it alone allows the amount;
 * otherwise the first credit system whose balance covers the unconverted
 * amount (else the first credit system), judged at amount × credit cost.
 * Deductions (track) still walk every source in deduction order.
 */
export function isAllowed(state: SandboxState, customer: CustomerRecord, featureId: string, required: number, now: number): boolean {
  const grants = grantsInOrder(state, customer, featureId, now);
  if (grants.length === 0) return false;
  if (state.features[featureId]?.type === "boolean") return true;
  if (required < 0) return true;
  const own = grants.filter((g) => g.feature_id === featureId);
  if (own.length > 0 && balanceAllows(state, own, required)) return true;
  const creditIds = [...new Set(grants.filter((g) => g.feature_id !== featureId).map((g) => g.feature_id))];
  if (creditIds.length === 0) return false;
  const bySystem = creditIds.map((id) => grants.filter((g) => g.feature_id === id));
  const chosen = bySystem.find((gs) => balanceAllows(state, gs, required)) ?? (bySystem[0] as Grant[]);
  const cost = rateFor(state, chosen[0] as Grant, featureId);
  return balanceAllows(state, chosen, required * cost);
}

// ── Rendering ──────────────────────────────────────────────────────────────

function remainingOf(state: SandboxState, g: Grant): number {
  const f = state.features[g.feature_id];
  const raw = granted(g) - g.usage;
  // 2.1+ floors remaining at 0: overage shows as usage > granted (§1.4, #8, #14).
  void f;
  return Math.max(0, raw);
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
    remaining: limited.reduce((s, g) => s + remainingOf(state, g) + potRemaining(g, now), 0),
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
      remaining: g.unlimited ? 0 : remainingOf(state, g),
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
