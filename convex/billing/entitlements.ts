// Entitlements computed from the billing cache, never by calling Autumn.
//
// Why this file exists: the UI and backend queries must answer "may this
// organization use feature X (for N units)?" reactively and without a network
// call, so they read the CustomerRow/FeatureRows that sync.ts caches in
// Convex. That is only safe if the answer is the one Autumn's own
// `balances.check` would give for the same state. This module is that
// decision, as pure functions (no ctx, no I/O): Autumn's `allowed` ladder
// (autumn-api.md §4.2; srv shared apiBalanceToAllowed.ts), credit systems
// paying for a metered feature the way Autumn picks them (§2.3, §4.1; srv
// getCheckDataV2.ts / getCheckResponseV2.ts), and the lazy reset of a period
// that ended after the cache was written (autumn-behaviours.md #18).
// entitlements.test.ts checks agreement with Autumn's answers cell by cell.
//
// Billing controls (usage limits with windows, the overage switch, spend
// limits) are judged by controls.ts in Autumn's order; rollovers survive a
// lazy reset here. Limit, inherent to the cache: it keeps one summed Balance
// per feature, so per-source subtleties Autumn sees in `breakdown` are
// approximated (always towards refusing).
import { judgeBalance, NO_CONTROLS, type CheckProperties, type JudgeContext, type LimitType } from "./controls";
import type { Balance, CustomerRow, FeatureRow } from "./schema";

export type { CheckProperties, LimitType };

export type FeatureCheckReason = "ok" | "unknown_feature" | "not_included" | "quota_exceeded" | "not_provisioned";

export interface FeatureCheck {
  featureId: string;
  /** What Autumn's `balances.check` would answer for this state and `requiredBalance`. */
  allowed: boolean;
  /** The org's plans grant this feature at all (a flag, its own balance, or a credit system that pays for it). */
  included: boolean;
  /** Some balance that can pay for the feature is unlimited. */
  unlimited: boolean;
  /**
   * What is left, in units of `featureId`: its own `remaining` plus, for each
   * credit system listing it, remaining credits / credit cost (what tracking
   * can draw on). Not rounded (7 credits at cost 5 → 1.4); floor it for
   * display. Null for boolean features, unlimited balances and when nothing
   * is included. With usage-based overage it stays at 0 while usage grows
   * past `granted`. Note `allowed` is not `balance >= requiredBalance`:
   * Autumn judges one source at a time (see evaluateFeature), so 2 own + 2
   * via credits does not allow a check for 3.
   */
  balance: number | null;
  /** Used this period, in units of `featureId` (credit-system usage converted by credit cost). */
  usage: number | null;
  /** Granted this period, in units of `featureId` (credit-system grants converted by credit cost). */
  granted: number | null;
  /** Earliest upcoming reset among the balances that pay for the feature, as cached. */
  nextResetAt: number | null;
  reason: FeatureCheckReason;
  requiredBalance: number;
  /** Credits one unit of `featureId` costs, when a credit system can pay for it. */
  creditCost?: number;
  /** When refused for a metered feature: what refused (Autumn's limit_type; the check response itself carries no code). */
  limitType?: LimitType;
}

export interface EvaluateFeatureInput {
  customer: CustomerRow | null;
  features: ReadonlyMap<string, FeatureRow> | readonly FeatureRow[];
  featureId: string;
  /** Units needed; Autumn's `required_balance` (default 1). Negative (a give-back) is allowed whenever the feature is included. */
  required?: number;
  /** Current time (ms); balances whose `nextResetAt` has passed are treated as already reset, as Autumn does on its next read. */
  now: number;
  /** The check's event properties, as they would be sent to Autumn: filtered usage limits gate only when these match. */
  properties?: CheckProperties | null;
}

/** One balance that can pay for the feature, with how many of its units one unit of the feature costs. */
interface Source {
  balance: Balance;
  /** 1 for the feature's own balance; the credit cost for a credit system. */
  rate: number;
}

function isList(features: EvaluateFeatureInput["features"]): features is readonly FeatureRow[] {
  return Array.isArray(features);
}

function toMap(features: EvaluateFeatureInput["features"]): ReadonlyMap<string, FeatureRow> {
  return isList(features) ? new Map(features.map((f) => [f.featureId, f])) : features;
}

function isCreditSystem(f: FeatureRow): boolean {
  return f.type === "credit_system" || f.type === "ai_credit_system";
}

/** Credit systems in the catalog that list `featureId`, with its credit cost in each. */
export function creditSystemsFor(features: ReadonlyMap<string, FeatureRow>, featureId: string): Array<{ featureId: string; creditCost: number }> {
  const out: Array<{ featureId: string; creditCost: number }> = [];
  for (const f of features.values()) {
    if (!isCreditSystem(f)) continue;
    const entry = f.creditSchema.find((c) => c.meteredFeatureId === featureId);
    if (entry && entry.creditCost > 0) out.push({ featureId: f.featureId, creditCost: entry.creditCost });
  }
  return out;
}

/**
 * The balance as Autumn would see it at `now`: once `nextResetAt` has passed,
 * Autumn resets usage before answering (#18), so a cache written in the old
 * period must not deny a check in the new one. Allocated features (seats)
 * never reset and carry no `nextResetAt`. Rollovers (§3) survive the reset
 * (granted/remaining/usage include them) unless expired by `now`; the main
 * allowance resets. The leftover Autumn rolls over AT this reset is not
 * known to the cache (it needs the item's rollover cap), so it is left out
 * until the next sync: at worst a refusal, never an allowance Autumn lacks.
 */
function asOf(b: Balance, now: number): Balance {
  // Written so that a bad `now` (NaN) keeps the cached numbers instead of granting a fresh period.
  if (b.nextResetAt === null || !(b.nextResetAt <= now)) return b;
  const rollovers = b.rollovers ?? [];
  const kept = rollovers.filter((r) => r.expiresAt === null || r.expiresAt > now);
  const sum = (rs: typeof rollovers, pick: (r: (typeof rollovers)[number]) => number): number => rs.reduce((a, r) => a + pick(r), 0);
  const main = b.granted - sum(rollovers, (r) => r.granted);
  const granted = main + sum(kept, (r) => r.granted);
  const remaining = main + sum(kept, (r) => Math.max(0, r.balance));
  return { ...b, granted, remaining, usage: granted - remaining, ...(b.rollovers ? { rollovers: kept } : {}) };
}

export function evaluateFeature(input: EvaluateFeatureInput): FeatureCheck {
  const { customer, featureId, now } = input;
  const required = input.required ?? 1;
  const features = toMap(input.features);
  const feature = features.get(featureId);
  const empty = {
    featureId,
    allowed: false,
    included: false,
    unlimited: false,
    balance: null,
    usage: null,
    granted: null,
    nextResetAt: null,
    requiredBalance: required,
  } satisfies Omit<FeatureCheck, "reason">;

  // Autumn answers 404 feature_not_found before it looks at the customer.
  if (!feature) return { ...empty, reason: "unknown_feature" };
  const credits = feature.type === "boolean" ? [] : creditSystemsFor(features, featureId);
  const catalogCost = credits[0]?.creditCost;
  if (!customer) return { ...empty, reason: "not_provisioned", ...(catalogCost !== undefined ? { creditCost: catalogCost } : {}) };

  // Ladder step 2: a boolean feature is allowed iff an active plan grants its flag.
  if (feature.type === "boolean") {
    const flag = customer.flags.some((f) => f.featureId === featureId);
    return { ...empty, allowed: flag, included: flag, reason: flag ? "ok" : "not_included" };
  }

  const cached = (id: string): Balance | undefined => {
    const b = customer.balances.find((x) => x.featureId === id);
    return b ? asOf(b, now) : undefined;
  };
  const own = cached(featureId);
  const pools = credits.flatMap((c) => {
    const b = cached(c.featureId);
    return b ? [{ ...c, balance: b }] : [];
  });
  const sources: Source[] = [...(own ? [{ balance: own, rate: 1 }] : []), ...pools.map((p) => ({ balance: p.balance, rate: p.creditCost }))];
  const creditCost = pools[0]?.creditCost ?? catalogCost;
  const withCost = creditCost !== undefined ? { creditCost } : {};
  // Step 1: no balance that can pay for the feature.
  if (sources.length === 0) return { ...empty, reason: "not_included", ...withCost };

  // Which single balance Autumn evaluates (srv getCheckDataV2 →
  // getFeatureToUseForCheck): the feature's own when it alone allows the
  // check; else the first credit system the customer holds whose balance
  // allows the *unconverted* amount; else the first one it holds; else its
  // own. These choices are made without the check's properties. The chosen
  // one is then judged (controls.ts) with the amount converted by its credit
  // cost, the member's own usage limits and the properties
  // (getCheckResponseV2). Own balance and credits are never added together
  // for the verdict, although a track does draw on both (§4.3).
  const ctx: JudgeContext = { controls: customer.billingControls ?? NO_CONTROLS, subscriptions: customer.subscriptions, now };
  const verdict = ((): { allowed: boolean; limitType?: LimitType } => {
    const selects = (b: Balance, id: string): boolean => judgeBalance(b, id, required, ctx).allowed;
    const ownFirst = own && (credits.length === 0 || selects(own, featureId));
    const pool = ownFirst ? undefined : (pools.find((p) => selects(p.balance, p.featureId)) ?? pools[0]);
    if (pool) {
      return judgeBalance(pool.balance, pool.featureId, required * pool.creditCost, {
        ...ctx, properties: input.properties ?? null, member: { featureId, creditCost: pool.creditCost },
      });
    }
    return own ? judgeBalance(own, featureId, required, { ...ctx, properties: input.properties ?? null }) : { allowed: false };
  })();
  const allowed = verdict.allowed;

  const unlimited = sources.some((s) => s.balance.unlimited);
  const limited = sources.filter((s) => !s.balance.unlimited);
  const sum = (pick: (s: Source) => number): number => limited.reduce((acc, s) => acc + pick(s), 0);
  // The feature's own remaining counts as reported (negative after an
  // overflow track); a credit pool adds only what it still holds.
  const balance = sum((s) => (s.balance === own ? s.balance.remaining : Math.max(0, s.balance.remaining) / s.rate));
  const resets = sources.map((s) => s.balance.nextResetAt).filter((t): t is number => t !== null);

  return {
    featureId,
    allowed,
    included: true,
    unlimited,
    balance: unlimited ? null : balance,
    usage: sources.reduce((acc, s) => acc + s.balance.usage / s.rate, 0),
    granted: unlimited ? null : sum((s) => s.balance.granted / s.rate),
    nextResetAt: resets.length > 0 ? Math.min(...resets) : null,
    reason: allowed ? "ok" : "quota_exceeded",
    requiredBalance: required,
    ...withCost,
    ...(verdict.limitType ? { limitType: verdict.limitType } : {}),
  };
}

/** Whether the org may use the feature now: the check's verdict, for access.ts and UI gates. */
export function isFeatureAvailable(check: FeatureCheck): boolean {
  return check.allowed;
}
