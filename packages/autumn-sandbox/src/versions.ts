// Version-dependent behaviour. The sandbox builds every response in the
// newest (2.1+) shape, like Autumn, and transforms it backwards for older
// `x-api-version`s, following Autumn's version-change files:
//   2.1 → 2.0  shared/api/balances/{check,track}/changes/V2.0_*Change.ts and
//              customers/changes/V2.0_CustomerChange.ts (balanceV1ToV0,
//              flagV0ToBalanceV0): balances become {granted_balance,
//              purchased_balance, current_balance, usage, reset, plan_id, …};
//   2.0 → 1.2  V1.2_CheckChange.ts (transformBalanceToCusFeatureV3: a flat
//              body with code "feature_found") and V1.2_TrackChange.ts
//              (`{id, code: "event_received", …}`).
// Plus check/track auto-creating a customer below 2.1 (getCheckDataV2,
// runTrackV3). 2.1–2.4 share one shape here (2.4's only known delta is in
// plans.list). Without the header: the newest shape.

import type { Ctx } from "./context.js";
import { getOrCreateCustomer } from "./customers.js";

type Json = Record<string, unknown>;

/** [major, minor] of the request's x-api-version; null means "newest". */
export function apiVersion(ctx: Ctx): [number, number] | null {
  const m = /^(\d+)(?:\.(\d+))?/.exec(ctx.apiVersion?.trim() ?? "");
  if (!m || /^\d{4}-/.test(ctx.apiVersion?.trim() ?? "")) return null;
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** True when the request's version is below `major.minor`. */
export function below(ctx: Ctx, major: number, minor: number): boolean {
  const v = apiVersion(ctx);
  return v !== null && (v[0] < major || (v[0] === major && v[1] < minor));
}

/**
 * Below 2.1, check and track create an unknown customer from `customer_data`
 * (name, email, fingerprint) with its default plans; 2.1+ answers 404.
 */
export function autoCreateForMetering(ctx: Ctx, body: Json): void {
  const id = body.customer_id;
  if (!below(ctx, 2, 1) || typeof id !== "string" || ctx.state.customers[id]) return;
  const data = (body.customer_data ?? {}) as { name?: string | null; email?: string | null; fingerprint?: string | null };
  getOrCreateCustomer(ctx, { customer_id: id, name: data.name ?? null, email: data.email ?? null, fingerprint: data.fingerprint ?? null });
}

// ── 2.1 → 2.0 ──────────────────────────────────────────────────────────────

interface BreakdownV1 { id: string; plan_id: string | null; included_grant: number; prepaid_grant: number; remaining: number; usage: number; reset: Json | null; price: { billing_method?: string; max_purchase?: number | null } | null; expires_at: number | null; overage?: number }
interface BalanceV1 { feature_id: string; feature?: Json; granted: number; remaining: number; usage: number; unlimited: boolean; overage_allowed: boolean; max_purchase: number | null; next_reset_at: number | null; breakdown?: BreakdownV1[]; rollovers?: unknown[] }

/** Usage past the grant on a usage-based balance (the V1 breakdown's `overage`). */
function overageOf(b: BreakdownV1, overageAllowed: boolean): number {
  return b.overage ?? (overageAllowed ? Math.max(0, b.usage - b.included_grant - b.prepaid_grant) : 0);
}

/** balanceV1ToV0. `overageAllowed` per breakdown entry comes from the balance (the sandbox renders `price: null`). */
export function balanceV1ToV0(input: BalanceV1): Json {
  const breakdown = input.breakdown ?? [];
  const prepaid = breakdown.reduce((s, b) => s + b.prepaid_grant, 0);
  const overage = breakdown.reduce((s, b) => s + overageOf(b, input.overage_allowed), 0);
  const planIds = [...new Set(breakdown.map((b) => b.plan_id))];
  const intervals = [...new Set(breakdown.map((b) => (b.reset as { interval?: string } | null)?.interval))];
  const first = breakdown[0]?.reset ?? null;
  const reset = intervals.length > 1
    ? { interval: "multiple", resets_at: null }
    : first ? { ...first, resets_at: input.next_reset_at } : null;
  return {
    feature_id: input.feature_id,
    ...(input.feature ? { feature: input.feature } : {}),
    unlimited: input.unlimited,
    granted_balance: input.granted - prepaid,
    purchased_balance: overage + prepaid,
    current_balance: input.remaining,
    usage: input.usage,
    overage_allowed: input.overage_allowed,
    max_purchase: input.max_purchase,
    reset,
    plan_id: planIds.length > 1 ? null : (planIds[0] ?? null),
    breakdown: breakdown.map((b) => ({
      id: b.id,
      plan_id: b.plan_id,
      granted_balance: b.included_grant,
      purchased_balance: b.prepaid_grant + overageOf(b, input.overage_allowed),
      current_balance: b.remaining,
      usage: b.usage,
      overage_allowed: b.price ? b.price.billing_method === "usage_based" : input.overage_allowed,
      max_purchase: b.price?.max_purchase ?? null,
      reset: b.reset,
      prepaid_quantity: b.prepaid_grant,
      expires_at: b.expires_at,
    })),
    ...(input.rollovers ? { rollovers: input.rollovers } : {}),
  };
}

/** flagV0ToBalanceV0: before 2.1 a boolean feature is a zero balance. */
function flagToBalanceV0(flag: { id: string; plan_id: string | null; feature_id: string; expires_at: number | null; feature?: Json }): Json {
  const zero = { granted_balance: 0, purchased_balance: 0, current_balance: 0, usage: 0, overage_allowed: false, max_purchase: null, reset: null };
  return {
    feature_id: flag.feature_id,
    ...(flag.feature ? { feature: flag.feature } : {}),
    unlimited: false,
    ...zero,
    plan_id: flag.plan_id,
    breakdown: [{ id: flag.id, plan_id: flag.plan_id, ...zero, prepaid_quantity: 0, expires_at: flag.expires_at }],
  };
}

function balancesV0(balances: unknown): Json | undefined {
  if (!balances || typeof balances !== "object") return undefined;
  return Object.fromEntries(Object.entries(balances as Record<string, BalanceV1 | null>).map(([k, b]) => [k, b ? balanceV1ToV0(b) : null]));
}

// ── 2.0 → 1.2 ──────────────────────────────────────────────────────────────

/** transformBalanceToCusFeatureV3, restricted to what CheckResponseV1Schema keeps. */
function cusFeatureV3(b: Json, isBoolean: boolean): Json {
  const unlimited = Boolean(b.unlimited);
  const reset = b.reset as { interval: string; interval_count?: number; resets_at: number | null } | null;
  const interval = !reset
    ? { interval: null, interval_count: isBoolean || unlimited ? null : 1, next_reset_at: null }
    : reset.interval === "multiple"
      ? { interval: "multiple", interval_count: null, next_reset_at: null }
      : { interval: reset.interval, interval_count: reset.interval_count || 1, next_reset_at: reset.resets_at };
  const breakdown = (b.breakdown as Json[] | undefined) ?? [];
  const prepaid = breakdown.reduce((s, x) => s + Number(x.prepaid_quantity ?? 0), 0);
  let numbers: Json;
  if (isBoolean || unlimited) {
    numbers = { included_usage: 0, balance: 0, usage: 0, overage_allowed: false };
  } else {
    const overage = Number(b.purchased_balance) - prepaid;
    const included = Number(b.granted_balance) + prepaid;
    const max = b.max_purchase as number | null;
    numbers = {
      included_usage: included,
      balance: Number(b.current_balance) - overage,
      usage: Number(b.usage),
      overage_allowed: Boolean(b.overage_allowed) && !max,
      ...(max ? { usage_limit: max + included } : {}),
    };
  }
  return { ...interval, unlimited, ...numbers, ...(b.rollovers ? { rollovers: b.rollovers } : {}) };
}

// ── Renderers (hooks at the return points of routes) ───────────────────────

/** A check response (built at 2.1+) in the request's version. */
export function versionedCheck(ctx: Ctx, featureId: string, res: Json): Json {
  if (!below(ctx, 2, 1)) return res;
  const { flag, balance, balances, ...rest } = res;
  const v0 = balance
    ? balanceV1ToV0(balance as BalanceV1)
    : flag ? flagToBalanceV0(flag as Parameters<typeof flagToBalanceV0>[0]) : null;
  const v2 = { ...rest, balance: v0, ...(balances ? { balances: balancesV0(balances) } : {}) };
  if (!below(ctx, 2, 0)) return v2;
  const base = { allowed: res.allowed, code: "feature_found", customer_id: res.customer_id, feature_id: featureId, entity_id: res.entity_id, required_balance: res.required_balance };
  if (!v0) return base;
  return { ...base, ...cusFeatureV3(v0, (v0.feature as { type?: string } | undefined)?.type === "boolean") };
}

/** A track response (built at 2.1+) in the request's version. */
export function versionedTrack(ctx: Ctx, featureId: string | undefined, res: Json): Json {
  if (!below(ctx, 2, 1)) return res;
  if (below(ctx, 2, 0)) {
    const fromBalance = (res.balance as { feature_id?: string } | null)?.feature_id;
    return { id: "placeholder", code: "event_received", customer_id: res.customer_id, entity_id: res.entity_id, event_name: res.event_name, feature_id: fromBalance ?? featureId };
  }
  return {
    customer_id: res.customer_id,
    entity_id: res.entity_id,
    event_name: res.event_name,
    value: res.value,
    balance: res.balance ? balanceV1ToV0(res.balance as BalanceV1) : null,
    ...(res.balances ? { balances: balancesV0(res.balances) } : {}),
  };
}

/** A customer (built at 2.1+) at 2.0: V0 balances, flags folded into balances (V2_0_CustomerChange). */
export function versionedCustomer(ctx: Ctx, res: Json): Json {
  if (!below(ctx, 2, 1)) return res;
  const balances: Json = balancesV0(res.balances) ?? {};
  for (const [id, f] of Object.entries((res.flags ?? {}) as Record<string, Parameters<typeof flagToBalanceV0>[0]>)) balances[id] = flagToBalanceV0(f);
  const subs = (res.subscriptions ?? []) as Json[];
  const { purchases, ...rest } = res;
  return {
    ...rest,
    subscriptions: [...subs.filter((s) => s.status !== "scheduled"), ...((purchases ?? []) as Json[])],
    scheduled_subscriptions: subs.filter((s) => s.status === "scheduled"),
    balances,
  };
}
