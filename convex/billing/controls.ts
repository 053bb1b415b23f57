// Autumn's billing controls over the cache: the part of `balances.check`'s
// decision that depends on usage limits, the overage switch and spend limits,
// plus the usage-window arithmetic the cache needs to know when a cached
// window counter has rolled over. Pure functions (no ctx, no I/O);
// entitlements.ts picks the balance to judge and calls `judgeBalance`.
//
// The order is real Autumn's (autumn-controls.md §1.5; srv shared
// apiBalanceToAllowed.ts, apiSubjectToUsageLimitHeadroom.ts,
// apiBalanceV1ToAvailableOverage.ts, resolveSpendLimitOverageLimit.ts):
//   1. unlimited → allowed; a negative requirement (give-back) → allowed
//   2. an enabled usage limit whose filter matches the check's properties,
//      with required > min(limit − window usage) → refused (even with
//      balance or overage left). For a credit-system member judged on the
//      credit system, the member's own limits count too, converted by credit
//      cost; the tightest wins.
//   3. `overage_allowed` control disabled → remaining ≥ required
//   4. overage permitted (usage-based pricing, or the control enabled):
//      available = spend limit − current overage (percentage limits resolved
//      against the main recurring plans' included grants), else
//      max_purchase headroom, else unbounded; allowed if
//      available + remaining ≥ required
//   5. remaining ≥ required
//
// Filters: Autumn applies a filtered limit only when the check carries
// properties that match every condition (a filter never matches a check
// without properties). The cache does the same: callers pass the same
// `properties` they would send to Autumn; without them only unfiltered
// limits gate, exactly as at Autumn.
//
// Windows: the cache keeps each limit's usage as Autumn reported it and the
// end of that window (`windowEndsAt`, computed at sync by `windowEndAfter`).
// Once `now` passes it the usage counts as 0, as Autumn's lazy roll does.
// When the anchor is uncertain the LATEST plausible end is stored, so the
// cache may refuse for a while after a real roll, but never allows while
// Autumn's window is still full.
import type { Balance, BillingControls, Subscription } from "./schema";

export type UsageLimitRow = BillingControls["usageLimits"][number];
export type SpendLimitRow = BillingControls["spendLimits"][number];
export type LimitType = "usage_limit" | "included" | "spend_limit" | "max_purchase";
export type CheckProperties = Readonly<Record<string, string | number | boolean>>;

export const NO_CONTROLS: BillingControls = { usageLimits: [], spendLimits: [], overageAllowed: [], usageAlerts: [], autoTopups: [] };

/** Float noise from credit conversions (0.1 + 0.2) must not flip a verdict. */
export const EPSILON = 1e-9;
const DAY_MS = 86_400_000;

// ── usage windows ──────────────────────────────────────────────────────────

/** `t` plus `n` intervals in UTC; months clamp to the month's last day (date-fns addMonths, as Autumn). */
export function addInterval(t: number, interval: string, n: number): number | null {
  if (interval === "day") return t + n * DAY_MS;
  if (interval === "week") return t + 7 * n * DAY_MS;
  const months = interval === "month" ? n : interval === "year" ? 12 * n : null;
  if (months === null) return null;
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

const APPROX_MS: Record<string, number> = { day: DAY_MS, week: 7 * DAY_MS, month: 30.436875 * DAY_MS, year: 365.2425 * DAY_MS };

/** End of the `interval` cycle aligned to `anchor` that contains `at` (Autumn's getCycleEnd). */
export function cycleEndAt(anchor: number, interval: string, at: number): number | null {
  const approx = APPROX_MS[interval];
  if (approx === undefined || !Number.isFinite(anchor) || !Number.isFinite(at)) return null;
  let k = Math.floor((at - anchor) / approx);
  const add = (n: number): number => addInterval(anchor, interval, n) as number;
  for (let i = 0; i < 64 && add(k + 1) <= at; i++) k += 1;
  for (let i = 0; i < 64 && add(k) > at; i++) k -= 1;
  const end = add(k + 1);
  return add(k) <= at && at < end ? end : null;
}

/** End of the UTC calendar `interval` containing `at` (weeks start on Monday), Autumn's fallback without an anchor. */
export function calendarEndAt(interval: string, at: number): number | null {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (interval === "day") return Date.UTC(y, m, d.getUTCDate() + 1);
  if (interval === "week") return Date.UTC(y, m, d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 7);
  if (interval === "month") return Date.UTC(y, m + 1, 1);
  if (interval === "year") return Date.UTC(y + 1, 0, 1);
  return null;
}

/**
 * When the window holding a limit's usage at `at` ends. `anchors` are the
 * reset times of the entitlements Autumn may align a billing-cycle window to
 * (the feature's balance resets, else any); with none, or with `utc`, the UTC
 * calendar (`orCalendar`: the calendar is a candidate too). Several
 * candidates → the latest end (see header). Null if unknown.
 */
export function windowEndAfter(limit: Pick<UsageLimitRow, "interval" | "anchor">, anchors: readonly number[], at: number, orCalendar = false): number | null {
  if (limit.anchor === "utc" || anchors.length === 0) return calendarEndAt(limit.interval, at);
  const ends = [...anchors.map((a) => cycleEndAt(a, limit.interval, at)), ...(orCalendar ? [calendarEndAt(limit.interval, at)] : [])];
  if (ends.some((e) => e === null)) return null;
  return Math.max(...(ends as number[]));
}

/** The limit's usage in the window that holds `now`: 0 once the cached window has ended. */
export function windowUsage(limit: UsageLimitRow, now: number): number {
  // Written so that a bad `now` (NaN) keeps the cached counter.
  if (limit.windowEndsAt !== null && limit.windowEndsAt <= now) return 0;
  return Math.max(0, limit.usage);
}

// ── which entries apply ────────────────────────────────────────────────────

/** Autumn's usageLimitFilterMatchesProperties: no filter matches all; a filter needs every key, compared as strings. */
export function filterMatches(filter: UsageLimitRow["filter"], properties: CheckProperties | null | undefined): boolean {
  if (filter.length === 0) return true;
  if (!properties) return false;
  return filter.every(({ key, value }) => {
    const v = properties[key];
    return v !== undefined && v !== null && typeof v !== "object" && String(v) === value;
  });
}

const filterKey = (l: UsageLimitRow): string => `${l.featureId}|${l.filter.map((p) => `${p.key}=${p.value}`).join("&")}`;

/** Entries for one identity: a customer entry shadows the plan's, even when disabled (§1.3). */
function shadowed<T extends { source: "customer" | "plan" | null }>(entries: readonly T[], identity: (e: T) => string): T[] {
  const customer = new Set(entries.filter((e) => e.source === "customer").map(identity));
  return entries.filter((e) => e.source !== "plan" || !customer.has(identity(e)));
}

export interface MemberOf {
  /** The checked feature when the judged balance is a credit system paying for it. */
  featureId: string;
  creditCost: number;
}

/**
 * Headroom left under the usage limits that gate this check, in the judged
 * feature's units (credits for a credit system), or null when none applies.
 */
export function usageLimitHeadroom(controls: BillingControls, featureId: string, now: number, properties?: CheckProperties | null, member?: MemberOf): number | null {
  const limits = shadowed(controls.usageLimits, filterKey);
  const caps = (id: string): UsageLimitRow[] => limits.filter((l) => l.featureId === id && l.enabled && filterMatches(l.filter, properties));
  const headrooms = caps(featureId).map((l) => Math.max(0, l.limit - windowUsage(l, now)));
  if (member && member.featureId !== featureId) {
    for (const l of caps(member.featureId)) headrooms.push(Math.max(0, l.limit - windowUsage(l, now)) * member.creditCost);
  }
  return headrooms.length === 0 ? null : Math.min(...headrooms);
}

function forFeature<T extends { featureId: string | null; source: "customer" | "plan" | null }>(entries: readonly T[], featureId: string): T | undefined {
  const mine = entries.filter((e) => e.featureId === featureId);
  return mine.find((e) => e.source === "customer") ?? mine[0];
}

export interface JudgeContext {
  controls: BillingControls;
  /** The customer's subscriptions: a percentage spend limit is a share of the main plans' included grants. */
  subscriptions: readonly Subscription[];
  now: number;
  properties?: CheckProperties | null;
  member?: MemberOf;
}

/** Overage a spend limit still allows, in the feature's units; undefined when no spend limit caps it. */
function spendLimitOverage(b: Balance, featureId: string, ctx: JudgeContext, overage: number): number | undefined {
  const limit: SpendLimitRow | undefined = forFeature(ctx.controls.spendLimits, featureId);
  if (!limit || !limit.enabled || limit.overageLimit === null) return undefined;
  let cap = limit.overageLimit;
  if (limit.limitType === "usage_percentage") {
    // Unknown base (no per-plan grants cached): allow no overage rather than guess.
    if (!b.grants) return 0;
    const main = new Set(ctx.subscriptions.filter((s) => !s.addOn && s.status === "active").map((s) => s.planId));
    const base = b.grants.filter((g) => g.planId !== null && main.has(g.planId)).reduce((a, g) => a + g.included, 0);
    if (base === 0) return undefined; // Autumn: no base, no cap
    cap = (limit.overageLimit / 100) * base;
  }
  return Math.max(0, cap - overage);
}

/** Autumn's verdict for `required` units of the balance's own feature (`featureId`), controls included. */
export function judgeBalance(b: Balance, featureId: string, required: number, ctx: JudgeContext): { allowed: boolean; limitType?: LimitType } {
  if (b.unlimited || required < 0) return { allowed: true };
  const headroom = usageLimitHeadroom(ctx.controls, featureId, ctx.now, ctx.properties, ctx.member);
  if (headroom !== null && required > headroom + EPSILON) return { allowed: false, limitType: "usage_limit" };
  const fits = b.remaining >= required - EPSILON;
  const control = forFeature(ctx.controls.overageAllowed, featureId);
  if (control && !control.enabled) return fits ? { allowed: true } : { allowed: false, limitType: "included" };
  if (b.overageAllowed || control?.enabled) {
    const overage = Math.max(0, b.usage - b.granted);
    const bySpend = spendLimitOverage(b, featureId, ctx, overage);
    // max_purchase caps overage, i.e. usage beyond the grant (apiBalanceV1ToAvailableOverage).
    const available = bySpend ?? (b.maxPurchase === null ? undefined : Math.max(0, b.maxPurchase - overage));
    if (available === undefined) return { allowed: true };
    if (b.remaining + available >= required - EPSILON) return { allowed: true };
    return { allowed: false, limitType: bySpend !== undefined ? "spend_limit" : "max_purchase" };
  }
  return fits ? { allowed: true } : { allowed: false, limitType: "included" };
}

/**
 * The cached controls after Autumn confirmed `units` of `featureId` (a lock
 * or a track without properties): the window counters that event counts in
 * grow — unfiltered, enabled limits on the feature, and on each credit
 * system that may have paid (`creditCosts`; counting it on every one errs
 * towards refusing). A counter whose window already ended restarts, with an
 * unknown end (kept until the next sync).
 */
export function withTrackedUsage(controls: BillingControls, featureId: string, units: number, creditCosts: ReadonlyArray<{ featureId: string; creditCost: number }>, now: number): BillingControls {
  if (!(units > 0)) return controls;
  const usageLimits = controls.usageLimits.map((l) => {
    if (!l.enabled || l.filter.length > 0) return l;
    const rate = l.featureId === featureId ? 1 : creditCosts.find((c) => c.featureId === l.featureId)?.creditCost;
    if (rate === undefined) return l;
    const rolled = l.windowEndsAt !== null && l.windowEndsAt <= now;
    return { ...l, usage: (rolled ? 0 : l.usage) + units * rate, windowEndsAt: rolled ? null : l.windowEndsAt };
  });
  return { ...controls, usageLimits };
}
