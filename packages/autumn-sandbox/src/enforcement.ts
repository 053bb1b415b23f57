// What billing controls do to balances.check and balances.track
// (autumn-controls.md §1.5, §1.6, §12.3, §12.7, §12.12, §12.13): the
// allowed ladder (usage-limit headroom → overage_allowed:false → overage with
// spend limit / max_purchase → remaining), the deduction policy handed to the
// ledger (overage permitted or not, spend cap), usage-window clamping and
// counting, and the reject / overflow behaviours.

import type { Ctx } from "./context.js";
import { ApiError, type ApiErrorCode } from "./errors.js";
import { effectiveEntries, filterKey as filterKeyOf, overageControlFor, spendLimitFor } from "./controls.js";
import { deduct, type OveragePolicy, type Taken } from "./ledger.js";
import { granted, isLive, rateFor } from "./grants.js";
import { potRemaining } from "./rollovers.js";
import { addWindowUsage, carryWindows, scopeKey, windowUsage } from "./windows.js";
import type { CustomerRecord, EntityRecord, Grant } from "./state.js";

type Entry = Record<string, unknown>;
export type LimitType = "included" | "max_purchase" | "spend_limit" | "usage_limit";
export interface Decision { allowed: boolean; limitType?: LimitType }

const EPS = 1e-9;

function filterMatches(filter: unknown, properties: Record<string, unknown> | undefined): boolean {
  const props = (filter as { properties?: Record<string, string> } | undefined)?.properties;
  if (!props) return true;
  if (!properties) return false;
  return Object.entries(props).every(([k, v]) => {
    const ev = properties[k];
    return ev !== null && ev !== undefined && typeof ev !== "object" && String(ev) === String(v);
  });
}

function costIn(ctx: Ctx, creditId: string, featureId: string): number {
  if (creditId === featureId) return 1;
  return ctx.state.features[creditId]?.credit_schema?.find((s) => s.metered_feature_id === featureId)?.credit_cost ?? 0;
}

export interface AppliedLimit { entry: Entry; scope: string; headroom: number }

/** Enabled usage limits on `limitFeatureId` whose filter matches, with live headroom (in that feature's units). */
export function limitsOn(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, limitFeatureId: string, properties: Record<string, unknown> | undefined, now: number): AppliedLimit[] {
  if (!ctx.state.features[limitFeatureId]) return [];
  return effectiveEntries(ctx, c, entity, "usage_limits", now)
    .filter(({ entry }) => entry.feature_id === limitFeatureId && entry.enabled !== false && filterMatches(entry.filter, properties))
    .map(({ entry, scope }) => {
      const s = scope === "entity" ? scopeKey(entity) : "customer";
      return { entry, scope: s, headroom: Math.max(0, (entry.limit as number) - windowUsage(ctx, c, s, entry, now)) };
    });
}

function creditSystemsOf(ctx: Ctx, featureId: string): string[] {
  return Object.values(ctx.state.features)
    .filter((f) => f.type === "credit_system" && f.credit_schema?.some((s) => s.metered_feature_id === featureId)).map((f) => f.id);
}

function liveGrants(c: CustomerRecord, featureId: string, now: number): Grant[] {
  return c.grants.filter((g) => g.feature_id === featureId && isLive(c, g, now));
}

const overageOf = (gs: Grant[]): number => gs.filter((g) => !g.unlimited).reduce((s, g) => s + Math.max(0, g.usage - granted(g)), 0);

/** Spend cap in units of `featureId`: absolute, or % of main recurring plans' included allowance (0 → none). */
function spendCap(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, now: number): number | undefined {
  const s = spendLimitFor(ctx, c, entity, featureId, now);
  if (!s) return undefined;
  const limit = s.overage_limit as number;
  if (s.limit_type !== "usage_percentage") return limit;
  const base = liveGrants(c, featureId, now).filter((g) => {
    const cp = c.products.find((p) => p.id === g.customer_product_id);
    return cp && cp.kind === "subscription" && !cp.add_on;
  }).reduce((sum, g) => sum + g.included_grant, 0);
  return base > 0 ? (limit / 100) * base : undefined;
}

/** Deduction policy for the balance of `featureId` (which grants take overage, and how much). */
export function policyFor(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, now: number): OveragePolicy {
  const control = overageControlFor(ctx, c, entity, featureId, now);
  return {
    overage: control ? (control.enabled === true ? "allow" : "deny") : "plan",
    spendCap: spendCap(ctx, c, entity, featureId, now),
  };
}

/** §1.5 ladder on ONE balance (`evaluated`), for `required` units of `featureId`. */
export function decideOn(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, evaluated: string, featureId: string, required: number, properties: Record<string, unknown> | undefined, now: number, extraRemaining = 0): Decision {
  const gs = liveGrants(c, evaluated, now);
  if (gs.length === 0) return { allowed: false };
  if (gs.some((g) => g.unlimited)) return { allowed: true };
  if (required < 0) return { allowed: true };
  const cost = costIn(ctx, evaluated, featureId);
  const req = required * cost;
  const headrooms = limitsOn(ctx, c, entity, evaluated, properties, now).map((l) => l.headroom);
  if (evaluated !== featureId) headrooms.push(...limitsOn(ctx, c, entity, featureId, properties, now).map((l) => l.headroom * cost));
  if (headrooms.length > 0 && req > Math.min(...headrooms) + EPS) return { allowed: false, limitType: "usage_limit" };
  const remaining = gs.reduce((s, g) => s + Math.max(0, granted(g) - g.usage) + (g.unlimited ? 0 : potRemaining(g, now)), 0) + extraRemaining;
  const control = overageControlFor(ctx, c, entity, evaluated, now);
  if (control && control.enabled !== true) return remaining + EPS >= req ? { allowed: true } : { allowed: false, limitType: "included" };
  if (gs.some((g) => g.overage_allowed) || control?.enabled === true) {
    const cap = spendCap(ctx, c, entity, evaluated, now);
    let available: number | undefined;
    let reason: LimitType | undefined;
    if (cap !== undefined) {
      available = Math.max(0, cap - overageOf(gs));
      reason = "spend_limit";
    } else {
      const usageBased = gs.filter((g) => g.billing_method === "usage_based" || g.overage_allowed);
      if (usageBased.length > 0 && usageBased.every((g) => g.max_purchase !== null)) {
        available = Math.max(0, usageBased.reduce((s, g) => s + (g.max_purchase as number), 0) - overageOf(gs));
        reason = "max_purchase";
      }
    }
    if (available === undefined) return { allowed: true };
    return available + remaining + EPS >= req ? { allowed: true } : { allowed: false, limitType: reason };
  }
  return remaining + EPS >= req ? { allowed: true } : { allowed: false, limitType: "included" };
}

/**
 * balances.check's verdict. Like getFeatureToUseForCheck, ONE balance is
 * judged: the feature's own when it allows; otherwise the first credit
 * system whose balance covers the amount (else the first), at amount × cost.
 */
export function decide(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, required: number, properties: Record<string, unknown> | undefined, now: number): Decision {
  const own = liveGrants(c, featureId, now).length > 0;
  const ownDecision = own ? decideOn(ctx, c, entity, featureId, featureId, required, properties, now) : { allowed: false };
  if (own && ownDecision.allowed) return ownDecision;
  const credits = creditSystemsOf(ctx, featureId).filter((id) => liveGrants(c, id, now).length > 0);
  if (credits.length === 0) return ownDecision;
  const chosen = credits.find((id) => decideOn(ctx, c, entity, id, id, required, properties, now).allowed) ?? (credits[0] as string);
  return decideOn(ctx, c, entity, chosen, featureId, required, properties, now);
}

/** Max tracked units of `featureId` the usage windows still allow (Infinity when none apply). */
function windowHeadroomUnits(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, properties: Record<string, unknown> | undefined, now: number): number {
  let units = Infinity;
  for (const l of limitsOn(ctx, c, entity, featureId, properties, now)) units = Math.min(units, l.headroom);
  for (const s of creditSystemsOf(ctx, featureId)) {
    const cost = costIn(ctx, s, featureId);
    if (cost <= 0) continue;
    for (const l of limitsOn(ctx, c, entity, s, properties, now)) units = Math.min(units, l.headroom / cost);
  }
  return units;
}

/** Count what a deduction took into every applicable window (metered: tracked units; credit system: credits drained). */
export function countInWindows(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, taken: Taken[], properties: Record<string, unknown> | undefined, now: number): void {
  const limits: Array<{ l: AppliedLimit; amount: number }> = [];
  let units = 0;
  const credits = new Map<string, number>();
  for (const t of taken) {
    const g = c.grants.find((x) => x.id === t.grant_id);
    if (!g || t.amount <= 0) continue;
    const rate = rateFor(ctx.state, g, featureId);
    if (rate > 0) units += t.amount / rate;
    if (g.feature_id !== featureId) credits.set(g.feature_id, (credits.get(g.feature_id) ?? 0) + t.amount);
  }
  for (const l of limitsOn(ctx, c, entity, featureId, properties, now)) limits.push({ l, amount: units });
  for (const [s, amount] of credits) for (const l of limitsOn(ctx, c, entity, s, properties, now)) limits.push({ l, amount });
  for (const { l, amount } of limits) addWindowUsage(ctx, c, l.scope, l.entry, amount, now);
}

/** The pool whose grants take overage: the feature's own, else the first credit system paying for it. */
function overagePoolFeature(ctx: Ctx, c: CustomerRecord, featureId: string, now: number): string {
  if (liveGrants(c, featureId, now).length > 0) return featureId;
  return creditSystemsOf(ctx, featureId).find((id) => liveGrants(c, id, now).length > 0) ?? featureId;
}

export type Behaviour = "cap" | "overflow" | "reject";

/** Units a cap-mode deduction would apply, without changing anything. */
export function dryRun(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, value: number, properties: Record<string, unknown> | undefined, now: number): number {
  const saved = c.grants.map((g) => ({ usage: g.usage, rollovers: g.rollovers?.map((r) => ({ ...r })) }));
  const taken = deductUnderControls(ctx, c, entity, featureId, value, "cap", properties, now, false);
  c.grants.forEach((g, i) => {
    const s = saved[i] as { usage: number; rollovers?: typeof g.rollovers };
    g.usage = s.usage;
    if (s.rollovers) g.rollovers = s.rollovers;
  });
  return appliedUnits(ctx, c, featureId, taken);
}

export function appliedUnits(ctx: Ctx, c: CustomerRecord, featureId: string, taken: Taken[]): number {
  return taken.reduce((s, t) => {
    const g = c.grants.find((x) => x.id === t.grant_id);
    const rate = g ? rateFor(ctx.state, g, featureId) : 0;
    return rate > 0 ? s + t.amount / rate : s;
  }, 0);
}

/**
 * Deduct `value` (> 0) units of `featureId` under the subject's controls.
 * cap: clamp to window headroom and balance/spend cap; overflow: everything
 * (windows bypassed but counted, spend cap still enforced); reject: all or
 * 400 insufficient_balance. Counts the applied amount into the windows.
 */
export function deductUnderControls(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, value: number, behaviour: Behaviour, properties: Record<string, unknown> | undefined, now: number, count = true): Taken[] {
  if (behaviour === "reject") {
    const fits = dryRun(ctx, c, entity, featureId, value, properties, now);
    if (fits + EPS < value) throw new ApiError(400, "insufficient_balance" as ApiErrorCode, `Insufficient balance for feature ${featureId}`);
    behaviour = "cap";
  }
  const policy = policyFor(ctx, c, entity, overagePoolFeature(ctx, c, featureId, now), now);
  const amount = behaviour === "overflow" ? value : Math.min(value, windowHeadroomUnits(ctx, c, entity, featureId, properties, now));
  const taken = amount > EPS ? deduct(ctx.state, c, featureId, amount, behaviour, now, policy) : [];
  if (count) countInWindows(ctx, c, entity, featureId, taken, properties, now);
  return taken;
}

/** Re-point live usage-window counters at the bounds of the plan now in force (paid → paid upgrade). */
export function carryUsageWindows(ctx: Ctx, c: CustomerRecord, now: number): void {
  carryWindows(ctx, c, now, (row) => {
    const entity = row.scope.startsWith("entity:") ? ctx.state.entities[`${c.id}/${row.scope.slice(7)}`] ?? null : null;
    return effectiveEntries(ctx, c, entity, "usage_limits", now)
      .map((s) => s.entry)
      .find((e) => e.feature_id === row.feature_id && filterKeyOf(e.filter) === row.filter_key);
  });
}
