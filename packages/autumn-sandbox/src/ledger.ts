// The balance ledger: how usage is drawn down from a feature's grants
// (rollover pots first, then deduction order, then overage under the
// policy), refunded and given back after a reservation. Whether a check is
// allowed is decided in enforcement.ts; grant creation, order and resets are
// in grants.ts, the Balance object in balances.ts. Every rule here is one of
// autumn-behaviours.md (numbers in comments refer to it).

import type { CustomerRecord, Grant, SandboxState } from "./state.js";
import type { WireFeature } from "./wire.js";
import { granted, grantsInOrder, rateFor } from "./grants.js";
import { potsInOrder } from "./rollovers.js";

export type DeductMode = "cap" | "overflow";

export interface Taken {
  grant_id: string;
  /** Set when the units came from (or went back to) one of the grant's rollover pots. */
  rollover_id?: string;
  /** Units of the grant's own feature (credits for a credit system). */
  amount: number;
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
