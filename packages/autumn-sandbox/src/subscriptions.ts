// The customer-product state machine: a plan attached to a customer moves
//   scheduled ──(starts_at)──▶ active ──(cancel now / period end after
//   cancel or downgrade / trial revert / replaced by upgrade)──▶ expired
// and, while active, renews at each period end and converts at trial end.
// `settle` advances a customer through every transition that is due, in time
// order, which is how the test clock and lazy reads both move time forward.
// The webhooks a change sends are in planChanges.ts, its charges in charges.ts.

import type { Ctx } from "./context.js";
import { grantsForPlan, applyDueResets } from "./grants.js";
import { giveBack } from "./ledger.js";
import { carryUsageWindows } from "./enforcement.js";
import { latestPlan, planVersion } from "./catalogLookups.js";
import { addIntervals, monthsIn, type Interval } from "./time.js";
import { nextId, type CustomerProduct, type CustomerRecord } from "./state.js";
import type { StoredPlan } from "./wire.js";
import { announce, renderSubscriptionChange, type PlanChange } from "./planChanges.js";
import { chargeOnFile } from "./charges.js";

export function isRecurring(plan: StoredPlan): boolean {
  return !(plan.price && plan.price.interval === "one_off");
}

/** Monthly-normalised base price, to tell an upgrade from a downgrade. */
export function monthlyPrice(plan: StoredPlan): number {
  if (!plan.price || plan.price.interval === "one_off") return 0;
  return plan.price.amount / monthsIn(plan.price.interval, plan.price.interval_count ?? 1);
}

export function activeMain(customer: CustomerRecord, group: string | null): CustomerProduct | undefined {
  return customer.products.find((p) => p.status === "active" && !p.add_on && p.kind === "subscription" && p.group === group);
}

export function scheduledIn(customer: CustomerRecord, group: string | null): CustomerProduct[] {
  return customer.products.filter((p) => p.status === "scheduled" && p.group === group);
}

export interface ActivateOptions {
  now: number;
  currency: string;
  trialEndsAt?: number | null;
  featureQuantities?: Array<{ feature_id: string; quantity: number }>;
  billed?: boolean;
  quantity?: number;
  /** The product this one takes over from when it already ended (a scheduled switch, #21). */
  carryUsageFrom?: CustomerProduct;
}

/**
 * Make `plan` active for the customer now. A main plan replaces the active
 * plan of its group (allocated usage carries over; consumables start fresh,
 * #20) and drops any change scheduled in the group (#22). Add-ons stack (#23).
 */
export function activatePlan(ctx: Ctx, customer: CustomerRecord, plan: StoredPlan, opts: ActivateOptions): PlanChange[] {
  const { now } = opts;
  const changes: PlanChange[] = [];
  const recurring = isRecurring(plan);
  let replaced: CustomerProduct | undefined;
  if (!plan.add_on && recurring) {
    replaced = activeMain(customer, plan.group);
    for (const s of scheduledIn(customer, plan.group)) {
      s.status = "expired";
      s.ended_at = now;
      changes.push({ action: "expired", cp: s });
    }
  }
  const trialEndsAt = opts.trialEndsAt ?? null;
  const paidRecurring = recurring && plan.price !== null;
  const cp: CustomerProduct = {
    id: nextId(ctx.state, "cus_prod"),
    plan_id: plan.id,
    version: plan.version,
    kind: recurring ? "subscription" : "purchase",
    status: "active",
    add_on: plan.add_on,
    auto_enable: plan.auto_enable,
    group: plan.group,
    started_at: now,
    starts_at: null,
    current_period_start: paidRecurring ? now : null,
    current_period_end: paidRecurring && plan.price
      ? (trialEndsAt ?? addIntervals(now, plan.price.interval as Interval, plan.price.interval_count ?? 1))
      : null,
    canceled_at: null,
    expires_at: null,
    ended_at: null,
    trial_ends_at: trialEndsAt,
    past_due: false,
    quantity: opts.quantity ?? 1,
    currency: opts.currency,
    feature_quantities: opts.featureQuantities ?? [],
    billed: opts.billed ?? true,
  };
  // Free → free keeps the reset anchor; a switch onto a paid plan re-anchors at now (#20).
  let anchor = now;
  if (replaced && !plan.price) {
    const prevAnchor = customer.grants.find((g) => g.customer_product_id === replaced?.id && g.reset_anchor !== null)?.reset_anchor;
    const prevPlan = latestPlan(ctx.state, replaced.plan_id);
    if (prevAnchor !== undefined && prevAnchor !== null && prevPlan && !prevPlan.price) anchor = prevAnchor;
  }
  const grants = grantsForPlan(ctx.state, plan, cp, now, anchor);
  if (trialEndsAt !== null) {
    // The trial is the first period: a balance whose first reset would fall
    // after the trial end resets at the trial end, then from there (#24, §4).
    for (const g of grants) {
      if (g.next_reset_at !== null && g.next_reset_at > trialEndsAt) {
        g.reset_anchor = trialEndsAt;
        g.next_reset_at = trialEndsAt;
      }
    }
  }
  const source = replaced ?? opts.carryUsageFrom;
  if (source) {
    for (const g of grants) {
      const f = ctx.state.features[g.feature_id];
      if (f?.type === "metered" && !f.consumable) {
        g.usage = customer.grants
          .filter((old) => old.customer_product_id === source.id && old.feature_id === g.feature_id)
          .reduce((s, old) => s + old.usage, 0);
      }
    }
  }
  if (replaced) {
    const before = renderSubscriptionChange(replaced);
    replaced.status = "expired";
    replaced.ended_at = now;
    changes.push({ action: "expired", cp: replaced, previous: { status: before.status } });
  }
  customer.products.push(cp);
  customer.grants.push(...grants);
  // A paid → paid switch keeps Autumn's billing cycle: usage-limit counters carry over (§1.7).
  if (replaced && plan.price && latestPlan(ctx.state, replaced.plan_id)?.price) carryUsageWindows(ctx, customer, now);
  changes.push({ action: "activated", cp, previous: null });
  return changes;
}

/** Schedule `plan` to replace `current` at the end of its period (a downgrade, #21). */
export function scheduleSwitch(ctx: Ctx, customer: CustomerRecord, current: CustomerProduct, plan: StoredPlan, opts: { now: number; currency: string; billed: boolean }): PlanChange[] {
  const changes: PlanChange[] = [];
  for (const s of scheduledIn(customer, current.group)) {
    s.status = "expired";
    s.ended_at = opts.now;
    changes.push({ action: "expired", cp: s });
  }
  const at = current.current_period_end ?? opts.now;
  const prev = { canceled_at: current.canceled_at };
  current.canceled_at = opts.now;
  current.expires_at = at;
  const cp = scheduleProduct(ctx, customer, plan, at, opts);
  changes.push({ action: "updated", cp: current, previous: prev }, { action: "scheduled", cp });
  return changes;
}

/** A `scheduled` customer product for `plan`, taking over at `at` (a downgrade target, or the default after a cancel). */
export function scheduleProduct(ctx: Ctx, customer: CustomerRecord, plan: StoredPlan, at: number, opts: { currency: string; billed: boolean }): CustomerProduct {
  const cp: CustomerProduct = {
    id: nextId(ctx.state, "cus_prod"),
    plan_id: plan.id,
    version: plan.version,
    kind: "subscription",
    status: "scheduled",
    add_on: plan.add_on,
    auto_enable: plan.auto_enable,
    group: plan.group,
    started_at: at,
    starts_at: at,
    current_period_start: null,
    current_period_end: null,
    canceled_at: null,
    expires_at: null,
    ended_at: null,
    trial_ends_at: null,
    past_due: false,
    quantity: 1,
    currency: opts.currency,
    feature_quantities: [],
    billed: opts.billed,
  };
  customer.products.push(cp);
  return cp;
}

/** End `cp` at `at`; the group's scheduled plan or default plan takes over. */
export function expireProduct(ctx: Ctx, customer: CustomerRecord, cp: CustomerProduct, at: number): PlanChange[] {
  const changes: PlanChange[] = [];
  const prev = { status: cp.status };
  cp.status = "expired";
  cp.ended_at = at;
  cp.expires_at = cp.expires_at ?? at;
  changes.push({ action: "expired", cp, previous: prev });
  if (cp.add_on || cp.kind !== "subscription") return changes;
  const next = scheduledIn(customer, cp.group).sort((a, b) => (a.starts_at ?? 0) - (b.starts_at ?? 0))[0];
  if (next) {
    const plan = planVersion(ctx.state, next.plan_id, next.version);
    next.status = "expired"; // replaced by a fresh active product below
    next.ended_at = at;
    changes.push(...activatePlan(ctx, customer, plan, { now: at, currency: next.currency, billed: next.billed, carryUsageFrom: cp })
      .filter((c) => c.cp !== next));
    const activated = changes[changes.length - 1]?.cp;
    if (activated && plan.price && next.billed && activated.trial_ends_at === null) {
      chargeOnFile(ctx, customer, activated, plan, `${plan.name} (scheduled change)`, at);
    }
    return changes;
  }
  const fallback = defaultPlanFor(ctx, cp.group);
  if (fallback && fallback.id !== cp.plan_id) {
    // Allocated usage (seats) persists across every plan change, a cancel included.
    changes.push(...activatePlan(ctx, customer, fallback, { now: at, currency: cp.currency, carryUsageFrom: cp }));
  }
  return changes;
}

export function defaultPlanFor(ctx: Ctx, group: string | null): StoredPlan | undefined {
  return Object.keys(ctx.state.plans)
    .map((id) => latestPlan(ctx.state, id))
    .find((p): p is StoredPlan => !!p && p.auto_enable && !p.archived && p.group === group);
}

/**
 * Run every transition due for this customer up to its "now", in time order:
 * trial ends, period ends (renewal, end-of-cycle cancel, scheduled switch),
 * consumable resets and lock expiries. Idempotent; returns true if anything moved.
 */
export function settle(ctx: Ctx, customer: CustomerRecord): boolean {
  const now = ctx.now(customer);
  let moved = false;
  for (let guard = 0; guard < 10_000; guard += 1) {
    const due = nextDue(customer, now);
    if (!due) break;
    moved = true;
    const { cp, at, kind } = due;
    if (kind === "trial_end") {
      const plan = planVersion(ctx.state, cp.plan_id, cp.version);
      if (ctx.state.plans[cp.plan_id] && plan.free_trial?.on_end === "revert") {
        announce(ctx, customer, expireProduct(ctx, customer, cp, at), ["trial_ended"], "expired");
        continue;
      }
      const prev = renderSubscriptionChange(cp);
      cp.current_period_start = at;
      cp.current_period_end = plan.price ? addIntervals(at, plan.price.interval as Interval, plan.price.interval_count ?? 1) : null;
      if (cp.billed) chargeOnFile(ctx, customer, cp, plan, `${plan.name} (trial converted)`, at);
      const previous = { trial_ends_at: prev.trial_ends_at, current_period_end: prev.current_period_end, ...(cp.past_due !== prev.past_due ? { past_due: prev.past_due } : {}) };
      announce(ctx, customer, [{ action: "updated", cp, previous }], ["trial_ended"], "renew");
    } else if (kind === "period_end") {
      if (cp.canceled_at !== null || (cp.expires_at !== null && cp.expires_at <= at)) {
        announce(ctx, customer, expireProduct(ctx, customer, cp, at), ["phase_changed"], "expired");
        continue;
      }
      const plan = planVersion(ctx.state, cp.plan_id, cp.version);
      const prev: Record<string, unknown> = { current_period_start: cp.current_period_start, current_period_end: cp.current_period_end };
      const wasPastDue = cp.past_due;
      cp.current_period_start = at;
      cp.current_period_end = plan.price ? addIntervals(at, plan.price.interval as Interval, plan.price.interval_count ?? 1) : null;
      if (cp.billed && plan.price) chargeOnFile(ctx, customer, cp, plan, `${plan.name} (renewal)`, at);
      if (cp.past_due !== wasPastDue) prev.past_due = wasPastDue;
      announce(ctx, customer, [{ action: "updated", cp, previous: prev }], ["phase_changed"], "renew");
    } else {
      // an expiring purchase or add-on
      announce(ctx, customer, expireProduct(ctx, customer, cp, at), [], "expired");
    }
  }
  if (applyDueResets(customer, now)) moved = true;
  for (const lock of Object.values(ctx.state.locks)) {
    if (lock.customer_id === customer.id && lock.status === "held" && lock.expires_at !== null && lock.expires_at <= now) {
      giveBack(customer, lock.taken);
      lock.status = "released";
      moved = true;
    }
  }
  return moved;
}

function nextDue(customer: CustomerRecord, now: number): { cp: CustomerProduct; at: number; kind: "trial_end" | "period_end" | "expiry" } | null {
  let best: { cp: CustomerProduct; at: number; kind: "trial_end" | "period_end" | "expiry" } | null = null;
  for (const cp of customer.products) {
    if (cp.status !== "active") continue;
    const candidates: Array<{ at: number; kind: "trial_end" | "period_end" | "expiry" }> = [];
    if (cp.trial_ends_at !== null && cp.current_period_end === cp.trial_ends_at && cp.canceled_at === null) {
      candidates.push({ at: cp.trial_ends_at, kind: "trial_end" });
    } else if (cp.current_period_end !== null) {
      candidates.push({ at: cp.current_period_end, kind: "period_end" });
    } else if (cp.expires_at !== null) {
      candidates.push({ at: cp.expires_at, kind: "expiry" });
    }
    for (const c of candidates) {
      if (c.at <= now && (!best || c.at < best.at)) best = { cp, ...c };
    }
  }
  return best;
}
