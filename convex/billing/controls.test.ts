// Pure tests of Autumn's check order with billing controls (controls.ts via
// evaluateFeature), one case per ladder step (autumn-controls.md §1.5), then
// usage windows (§1.7), rollovers across a lazy reset (§3) and the mapping
// of autumn-js's billingControls. The agreement with the sandbox lives in
// controls.agreement.test.ts.
import { describe, expect, it } from "vitest";
import { addInterval, calendarEndAt, cycleEndAt, filterMatches, NO_CONTROLS, windowEndAfter, withTrackedUsage, type UsageLimitRow } from "./controls";
import { evaluateFeature } from "./entitlements";
import { balanceToRow, controlsToRow } from "./mapping";
import type { Balance, BillingControls, CustomerRow, FeatureRow, Subscription } from "./schema";

const NOW = Date.UTC(2026, 0, 15, 10, 30);
const DAY = 86_400_000;

function feature(featureId: string, type: FeatureRow["type"], creditSchema: FeatureRow["creditSchema"] = []): FeatureRow {
  return { featureId, name: featureId, type, consumable: true, creditSchema, eventNames: [], display: null, archived: false, syncedAt: NOW };
}
const CATALOG: FeatureRow[] = [
  feature("custom_branding", "boolean"),
  feature("messages", "metered"),
  feature("premium", "metered"),
  feature("credits", "credit_system", [{ meteredFeatureId: "premium", creditCost: 5 }]),
];

function bal(featureId: string, granted: number, usage: number, extra: Partial<Balance> = {}): Balance {
  return { featureId, granted, usage, remaining: Math.max(0, granted - usage), unlimited: false, overageAllowed: false, maxPurchase: null, nextResetAt: null, ...extra };
}

function limit(featureId: string, lim: number, usage: number, extra: Partial<UsageLimitRow> = {}): UsageLimitRow {
  return { featureId, enabled: true, limit: lim, interval: "month", anchor: "billing_cycle", filter: [], usage, windowEndsAt: NOW + 10 * DAY, source: "customer", ...extra };
}

const sub = (planId: string, addOn = false): Subscription => ({
  subscriptionId: `sub_${planId}`, planId, planName: planId, status: "active", addOn, autoEnable: false, pastDue: false, canceledAt: null,
  expiresAt: null, trialEndsAt: null, startedAt: NOW - DAY, currentPeriodStart: null, currentPeriodEnd: null,
});

function customer(balances: Balance[], controls: Partial<BillingControls> = {}, subscriptions: Subscription[] = [sub("pro")]): CustomerRow {
  return {
    organizationId: "org_1", customerId: "org_1", name: null, email: null, subscriptions, purchases: [], balances, flags: [{ featureId: "custom_branding", planId: "pro", expiresAt: null }],
    invoices: [], syncedAt: NOW, lastSyncError: null, billingControls: { ...NO_CONTROLS, ...controls },
  };
}

const check = (c: CustomerRow, featureId: string, required = 1, extra: { now?: number; properties?: Record<string, string | number | boolean> } = {}) =>
  evaluateFeature({ customer: c, features: CATALOG, featureId, required, now: extra.now ?? NOW, properties: extra.properties ?? null });

describe("Autumn's check order with billing controls (§1.5), one step at a time", () => {
  it("step 1: no balance → refused, whatever the controls say", () => {
    const c = customer([], { overageAllowed: [{ featureId: "messages", enabled: true, source: "customer" }] });
    expect(check(c, "messages")).toMatchObject({ allowed: false, reason: "not_included" });
  });

  it("step 1: boolean, unlimited and negative requirements pass even over an exhausted usage limit", () => {
    const c = customer([bal("messages", 0, 500, { unlimited: true })], { usageLimits: [limit("messages", 10, 10)] });
    expect(check(c, "custom_branding").allowed).toBe(true);
    expect(check(c, "messages", 1_000).allowed).toBe(true);
    const limited = customer([bal("messages", 100, 0)], { usageLimits: [limit("messages", 10, 10)] });
    expect(check(limited, "messages", -5).allowed).toBe(true);
  });

  it("step 2: an enabled usage limit refuses past limit − window usage, even with balance and overage left", () => {
    const c = customer([bal("messages", 100, 0, { overageAllowed: true })], { usageLimits: [limit("messages", 10, 7)] });
    expect(check(c, "messages", 3).allowed).toBe(true);
    expect(check(c, "messages", 4)).toMatchObject({ allowed: false, reason: "quota_exceeded", limitType: "usage_limit" });
  });

  it("step 2: the tightest applicable limit wins; a disabled one never gates", () => {
    const c = customer([bal("messages", 100, 0)], {
      usageLimits: [
        limit("messages", 50, 10),
        limit("messages", 20, 15, { interval: "day", filter: [{ key: "m", value: "x" }] }),
        limit("messages", 1, 1, { enabled: false, filter: [{ key: "m", value: "x" }, { key: "n", value: "y" }] }),
      ],
    });
    const props = { properties: { m: "x", n: "y" } };
    expect(check(c, "messages", 40).allowed).toBe(true);
    expect(check(c, "messages", 41).limitType).toBe("usage_limit");
    expect(check(c, "messages", 5, props).allowed).toBe(true);
    expect(check(c, "messages", 6, props).limitType).toBe("usage_limit");
  });

  it("step 2: a customer entry shadows the plan's entry with the same feature and filter, even when disabled", () => {
    const c = customer([bal("messages", 100, 0)], {
      usageLimits: [limit("messages", 5, 5, { source: "plan" }), limit("messages", 5, 5, { source: "customer", enabled: false })],
    });
    expect(check(c, "messages").allowed).toBe(true);
  });

  it("step 2: a filtered limit gates only a check whose properties all match (compared as strings)", () => {
    const filtered = limit("messages", 5, 5, { filter: [{ key: "model", value: "pro" }, { key: "tier", value: "2" }] });
    const c = customer([bal("messages", 100, 0)], { usageLimits: [filtered] });
    expect(check(c, "messages").allowed).toBe(true); // no properties: Autumn ignores filtered limits
    expect(check(c, "messages", 1, { properties: { model: "pro" } }).allowed).toBe(true); // partial match
    expect(check(c, "messages", 1, { properties: { model: "pro", tier: 2 } })).toMatchObject({ allowed: false, limitType: "usage_limit" });
    expect(check(c, "messages", 1, { properties: { model: "mini", tier: "2" } }).allowed).toBe(true);
    expect(filterMatches([], null)).toBe(true);
    expect(filterMatches([{ key: "a", value: "true" }], { a: true })).toBe(true);
  });

  it("step 2, credit systems: the member's limit converts into credits; a limit on the pool applies too; the tightest wins", () => {
    // 500 credits, premium costs 5. Member limit: 3 premium left (15 credits).
    const c = customer([bal("credits", 500, 0)], { usageLimits: [limit("premium", 10, 7)] });
    expect(check(c, "premium", 3).allowed).toBe(true);
    expect(check(c, "premium", 4)).toMatchObject({ allowed: false, limitType: "usage_limit" });
    // Pool limit: 12 credits left → 2 premium.
    const both = customer([bal("credits", 500, 0)], { usageLimits: [limit("premium", 10, 7), limit("credits", 100, 88)] });
    expect(check(both, "premium", 2).allowed).toBe(true);
    expect(check(both, "premium", 3).allowed).toBe(false);
    expect(check(both, "credits", 12).allowed).toBe(true);
    expect(check(both, "credits", 13).allowed).toBe(false);
  });

  it("step 3: overage_allowed disabled → remaining decides, usage-based pricing notwithstanding", () => {
    const c = customer([bal("messages", 100, 98, { overageAllowed: true })], { overageAllowed: [{ featureId: "messages", enabled: false, source: "customer" }] });
    expect(check(c, "messages", 2).allowed).toBe(true);
    expect(check(c, "messages", 3)).toMatchObject({ allowed: false, limitType: "included" });
  });

  it("step 4: overage_allowed enabled on a plain consumable → unbounded without a spend limit", () => {
    const c = customer([bal("messages", 100, 150)], { overageAllowed: [{ featureId: "messages", enabled: true, source: "plan" }] });
    expect(check(c, "messages", 1_000_000).allowed).toBe(true);
  });

  it("step 4: a spend limit caps overage at overage_limit − current overage (and replaces max_purchase)", () => {
    const spend = { featureId: "messages", enabled: true, limitType: "absolute" as const, overageLimit: 25, skipOverageBilling: false, source: "customer" as const };
    // Granted 100, used 110 → overage 10, 15 more allowed.
    const c = customer([bal("messages", 100, 110, { overageAllowed: true, maxPurchase: 1_000 })], { spendLimits: [spend] });
    expect(check(c, "messages", 15).allowed).toBe(true);
    expect(check(c, "messages", 16)).toMatchObject({ allowed: false, limitType: "spend_limit" });
    // Before the grant is used up, remaining + the whole spend limit.
    const early = customer([bal("messages", 100, 60, { overageAllowed: true })], { spendLimits: [spend] });
    expect(check(early, "messages", 65).allowed).toBe(true);
    expect(check(early, "messages", 66).allowed).toBe(false);
    // It also caps overage the control permitted (§12.13); a disabled spend limit caps nothing.
    const viaControl = customer([bal("messages", 100, 100)], { spendLimits: [spend], overageAllowed: [{ featureId: "messages", enabled: true, source: "customer" }] });
    expect(check(viaControl, "messages", 25).allowed).toBe(true);
    expect(check(viaControl, "messages", 26).allowed).toBe(false);
    const off = customer([bal("messages", 100, 100, { overageAllowed: true })], { spendLimits: [{ ...spend, enabled: false }] });
    expect(check(off, "messages", 10_000).allowed).toBe(true);
  });

  it("step 4: a usage_percentage spend limit is a share of the main recurring plans' included grants", () => {
    const spend = { featureId: "messages", enabled: true, limitType: "usage_percentage" as const, overageLimit: 120, skipOverageBilling: false, source: "customer" as const };
    const grants = [{ planId: "pro", included: 100, resetsAt: null }, { planId: "boost", included: 50, resetsAt: null }];
    // Base 100 (the add-on's 50 excluded) → cap 120 overage; granted 150, used 150.
    const c = customer([bal("messages", 150, 150, { overageAllowed: true, grants })], { spendLimits: [spend] }, [sub("pro"), sub("boost", true)]);
    expect(check(c, "messages", 120).allowed).toBe(true);
    expect(check(c, "messages", 121).allowed).toBe(false);
    // Base 0 → no cap (Autumn); base unknown (no grants cached) → no overage at all.
    const noBase = customer([bal("messages", 50, 50, { overageAllowed: true, grants: [{ planId: "boost", included: 50, resetsAt: null }] })], { spendLimits: [spend] }, [sub("boost", true)]);
    expect(check(noBase, "messages", 10_000).allowed).toBe(true);
    const unknown = customer([bal("messages", 100, 100, { overageAllowed: true })], { spendLimits: [spend] });
    expect(check(unknown, "messages", 1)).toMatchObject({ allowed: false, limitType: "spend_limit" });
  });

  it("step 4: without a spend limit, max_purchase caps usage-based overage (usage beyond the grant)", () => {
    const c = customer([bal("messages", 100, 120, { overageAllowed: true, maxPurchase: 50 })]);
    expect(check(c, "messages", 30).allowed).toBe(true);
    expect(check(c, "messages", 31)).toMatchObject({ allowed: false, limitType: "max_purchase" });
    const early = customer([bal("messages", 100, 40, { overageAllowed: true, maxPurchase: 50 })]);
    expect(check(early, "messages", 110).allowed).toBe(true);
    expect(check(early, "messages", 111).allowed).toBe(false);
  });

  it("step 5: otherwise remaining ≥ required", () => {
    const c = customer([bal("messages", 100, 97)], { usageLimits: [limit("messages", 1_000, 0)] });
    expect(check(c, "messages", 3).allowed).toBe(true);
    expect(check(c, "messages", 4)).toMatchObject({ allowed: false, limitType: "included" });
  });

  it("a credit pool is chosen without the check's properties, then judged with them", () => {
    // Own premium exhausted; credits allow. A filtered member limit then refuses the matching check only.
    const c = customer([bal("premium", 10, 10), bal("credits", 500, 0)], { usageLimits: [limit("premium", 2, 2, { filter: [{ key: "m", value: "x" }] })] });
    expect(check(c, "premium").allowed).toBe(true);
    expect(check(c, "premium", 1, { properties: { m: "x" } })).toMatchObject({ allowed: false, limitType: "usage_limit" });
  });

  it("a row cached before controls existed (no billingControls) judges as before", () => {
    const c = { ...customer([bal("messages", 10, 9)]), billingControls: undefined };
    expect(check(c, "messages").allowed).toBe(true);
    expect(check(c, "messages", 2).allowed).toBe(false);
  });
});

describe("usage windows (§1.7)", () => {
  it("a cached window counter counts until its window ends, then reads 0", () => {
    const c = customer([bal("messages", 100, 0)], { usageLimits: [limit("messages", 10, 10, { windowEndsAt: NOW + DAY })] });
    expect(check(c, "messages", 1, { now: NOW + DAY - 1 }).allowed).toBe(false);
    expect(check(c, "messages", 10, { now: NOW + DAY }).allowed).toBe(true);
    expect(check(c, "messages", 11, { now: NOW + DAY }).allowed).toBe(false);
  });

  it("an unknown window end keeps the counter (refuse rather than guess)", () => {
    const c = customer([bal("messages", 100, 0)], { usageLimits: [limit("messages", 10, 10, { windowEndsAt: null })] });
    expect(check(c, "messages", 1, { now: NOW + 400 * DAY }).allowed).toBe(false);
  });

  it("UTC windows end at the next calendar boundary (weeks start on Monday)", () => {
    expect(calendarEndAt("day", NOW)).toBe(Date.UTC(2026, 0, 16));
    expect(calendarEndAt("week", NOW)).toBe(Date.UTC(2026, 0, 19)); // 15 Jan 2026 is a Thursday
    expect(calendarEndAt("week", Date.UTC(2026, 0, 19))).toBe(Date.UTC(2026, 0, 26));
    expect(calendarEndAt("month", NOW)).toBe(Date.UTC(2026, 1, 1));
    expect(calendarEndAt("year", NOW)).toBe(Date.UTC(2027, 0, 1));
  });

  it("billing-cycle windows follow the anchor (time of day for days; clamped month ends)", () => {
    const anchor = Date.UTC(2026, 1, 3, 8, 0); // the entitlement's next reset
    expect(cycleEndAt(anchor, "day", NOW)).toBe(Date.UTC(2026, 0, 16, 8, 0));
    expect(cycleEndAt(anchor, "month", NOW)).toBe(Date.UTC(2026, 1, 3, 8, 0));
    expect(cycleEndAt(anchor, "week", NOW)).toBe(Date.UTC(2026, 0, 20, 8, 0));
    expect(addInterval(Date.UTC(2026, 0, 31), "month", 1)).toBe(Date.UTC(2026, 1, 28));
    expect(cycleEndAt(Date.UTC(2026, 0, 31), "month", Date.UTC(2026, 2, 1))).toBe(Date.UTC(2026, 2, 31));
    // Several plausible anchors: the latest end; none: the calendar; utc ignores anchors.
    expect(windowEndAfter({ interval: "day", anchor: "billing_cycle" }, [anchor, Date.UTC(2026, 1, 3, 20, 0)], NOW)).toBe(Date.UTC(2026, 0, 16, 8, 0));
    expect(windowEndAfter({ interval: "day", anchor: "billing_cycle" }, [], NOW)).toBe(Date.UTC(2026, 0, 16));
    expect(windowEndAfter({ interval: "day", anchor: "utc" }, [anchor], NOW)).toBe(Date.UTC(2026, 0, 16));
  });

  it("a confirmed lock grows the unfiltered counters of the feature and its credit systems; a closed window restarts", () => {
    const controls: BillingControls = {
      ...NO_CONTROLS,
      usageLimits: [limit("premium", 10, 4), limit("credits", 100, 10), limit("premium", 5, 0, { filter: [{ key: "m", value: "x" }] }), limit("messages", 9, 1)],
    };
    const next = withTrackedUsage(controls, "premium", 2, [{ featureId: "credits", creditCost: 5 }], NOW);
    expect(next.usageLimits.map((l) => l.usage)).toEqual([6, 20, 0, 1]);
    const later = withTrackedUsage(next, "premium", 1, [], NOW + 11 * DAY);
    expect(later.usageLimits[0]).toMatchObject({ usage: 1, windowEndsAt: null });
  });
});

describe("rollovers (§3) across a lazy reset", () => {
  const resetAt = NOW + 5 * DAY;
  // 100 included + 30 rolled in, 10 of the rollover and 50 of the main used.
  const rolled = bal("messages", 130, 60, { remaining: 70, nextResetAt: resetAt, rollovers: [{ granted: 30, balance: 20, expiresAt: null }] });

  it("before the reset the cached numbers stand (they include the rollover)", () => {
    expect(check(customer([rolled]), "messages", 70)).toMatchObject({ allowed: true, granted: 130, balance: 70, usage: 60 });
    expect(check(customer([rolled]), "messages", 71).allowed).toBe(false);
  });

  it("after it the main allowance resets and the rollover's balance survives", () => {
    const r = check(customer([rolled]), "messages", 120, { now: resetAt });
    expect(r).toMatchObject({ allowed: true, granted: 130, balance: 120, usage: 10 });
    expect(check(customer([rolled]), "messages", 121, { now: resetAt }).allowed).toBe(false);
  });

  it("a rollover that expired by then is gone", () => {
    const expiring = { ...rolled, rollovers: [{ granted: 30, balance: 20, expiresAt: resetAt }] };
    expect(check(customer([expiring]), "messages", 100, { now: resetAt })).toMatchObject({ allowed: true, granted: 100, balance: 100, usage: 0 });
    expect(check(customer([expiring]), "messages", 101, { now: resetAt }).allowed).toBe(false);
  });
});

describe("mapping autumn-js answers", () => {
  it("balanceToRow keeps rollovers (expires_at 0 = never) and per-plan grants", () => {
    const row = balanceToRow({
      featureId: "messages", granted: 130, remaining: 120, usage: 10, unlimited: false, overageAllowed: false, maxPurchase: null, nextResetAt: 5,
      rollovers: [{ granted: 30, balance: 20, expiresAt: 0 }, { granted: 5, balance: 5, expiresAt: 99 }],
      breakdown: [{ planId: "pro", includedGrant: 100, reset: { resetsAt: 5 } }, { planId: null, includedGrant: 0, reset: null }],
    });
    expect(row.rollovers).toEqual([{ granted: 30, balance: 20, expiresAt: null }, { granted: 5, balance: 5, expiresAt: 99 }]);
    expect(row.grants).toEqual([{ planId: "pro", included: 100, resetsAt: 5 }, { planId: null, included: 0, resetsAt: null }]);
  });

  it("controlsToRow maps every control with Autumn's defaults, sorted filters and window ends", () => {
    const balances = [bal("messages", 100, 0, { nextResetAt: Date.UTC(2026, 1, 3, 8, 0) })];
    const row = controlsToRow({
      usageLimits: [
        { featureId: "messages", enabled: true, limit: 10, interval: "day", usage: 4, source: "plan" },
        { featureId: "messages", enabled: true, limit: 3, interval: "week", anchor: "utc", filter: { properties: { z: "1", a: "b" } } },
      ],
      spendLimits: [{ enabled: true, featureId: "messages", overageLimit: 20 }],
      overageAllowed: [{ featureId: "messages", enabled: false }],
      usageAlerts: [{ enabled: true, threshold: 80, thresholdType: "usage_percentage", basis: "balance" }],
      autoTopups: [{ featureId: "credits", enabled: true, threshold: 10, quantity: 100, purchaseLimit: { interval: "month", intervalCount: 1, limit: 3 } }],
    }, balances, NOW);
    expect(row.usageLimits).toEqual([
      { featureId: "messages", enabled: true, limit: 10, interval: "day", anchor: "billing_cycle", filter: [], usage: 4, windowEndsAt: Date.UTC(2026, 0, 16, 8, 0), source: "plan" },
      { featureId: "messages", enabled: true, limit: 3, interval: "week", anchor: "utc", filter: [{ key: "a", value: "b" }, { key: "z", value: "1" }], usage: 0, windowEndsAt: Date.UTC(2026, 0, 19), source: null },
    ]);
    expect(row.spendLimits).toEqual([{ featureId: "messages", enabled: true, limitType: "absolute", overageLimit: 20, skipOverageBilling: false, source: null }]);
    expect(row.overageAllowed).toEqual([{ featureId: "messages", enabled: false, source: null }]);
    expect(row.usageAlerts[0]).toMatchObject({ featureId: null, threshold: 80, thresholdType: "usage_percentage", basis: "balance", filter: [] });
    expect(row.autoTopups[0]).toMatchObject({ featureId: "credits", invoiceMode: false, purchaseLimit: { interval: "month", intervalCount: 1, limit: 3 } });
    expect(controlsToRow(undefined, [], NOW)).toEqual(NO_CONTROLS);
  });
});
