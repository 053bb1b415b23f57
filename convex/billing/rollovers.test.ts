// Rollovers (autumn-controls.md §3) through the cache, against the sandbox
// with the real autumn-js client: a plan whose item rolls unused units over
// (created through plans.create), part of it used, the customer's clock
// advanced past the reset, a sync → the cached balance counts the rolled-over
// units exactly as Autumn reports them, and the evaluator's verdicts match
// Autumn's. Then a second reset the cache only knows lazily (no sync): the
// rollover's balance survives it in the cache, and the cache never allows
// what Autumn refuses (it may refuse the leftover Autumn rolls over at that
// reset until the next sync: entitlements.ts asOf).
import type { Autumn } from "autumn-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, TEST_KEY, type TestSandbox } from "../../packages/autumn-sandbox/src/testing";
import { createAutumn } from "./autumn";
import { evaluateFeature } from "./entitlements";
import { customerToRow, featureToRow } from "./mapping";
import type { CustomerRow, FeatureRow } from "./schema";

const FEATURE = "standard_messages";
const PLAN = "rollover_basic";
const DAY = 86_400_000;

let t: TestSandbox;
let autumn: Autumn;
let features: FeatureRow[];

/** The customer's own clock (a test-clock advance is per customer); 1 ms forward reads it. */
async function clockOf(customerId: string): Promise<number> {
  const now = Number((await t.control("/sandbox/clock/advance", { ms: 1, customer_id: customerId })).now);
  if (!Number.isFinite(now)) throw new Error("sandbox clock unreadable");
  return now;
}

async function sync(customerId: string): Promise<{ row: CustomerRow; now: number }> {
  const now = await clockOf(customerId);
  return { row: customerToRow(customerId, await autumn.customers.get({ customerId }), new Map(), now), now };
}

async function autumnBalance(customerId: string) {
  const b = (await autumn.customers.get({ customerId })).balances[FEATURE];
  if (!b) throw new Error(`no ${FEATURE} balance`);
  return b;
}

beforeAll(async () => {
  t = await startTestSandbox();
  autumn = createAutumn({ secretKey: TEST_KEY, serverURL: t.url });
  features = (await autumn.features.list()).list.map((f) => featureToRow(f, Date.now()));
  await autumn.plans.create({
    planId: PLAN,
    name: "Rollover basic",
    group: "main", // replaces the free default plan: one balance, this item's
    items: [{
      featureId: FEATURE,
      included: 100,
      reset: { interval: "month" },
      rollover: { max: 50, expiryDurationType: "month", expiryDurationLength: 1 },
    }],
  });
});

afterAll(async () => {
  await t?.close();
});

describe("rolled-over units in the cache", () => {
  it("after a reset, a sync caches Autumn's rollovers; remaining includes them and verdicts match", async () => {
    const customerId = "org_rollover_1";
    await autumn.customers.getOrCreate({ customerId });
    await autumn.billing.attach({ customerId, planId: PLAN, noBillingChanges: true });
    await autumn.track({ customerId, featureId: FEATURE, value: 30 });
    const first = await sync(customerId);
    const before = first.row.balances.find((b) => b.featureId === FEATURE);
    expect(before).toMatchObject({ granted: 100, remaining: 70 });
    const resetAt = before?.nextResetAt;
    if (typeof resetAt !== "number") throw new Error("no reset cached");

    // Past the monthly reset: 70 unused → 50 roll over (max 50).
    await t.control("/sandbox/clock/advance", { ms: resetAt - first.now + DAY, customer_id: customerId });
    const theirs = await autumnBalance(customerId);
    expect(theirs.rollovers?.length ?? 0, "the sandbox reports balance.rollovers after a reset (§3)").toBeGreaterThan(0);
    const { row, now } = await sync(customerId);
    const cached = row.balances.find((b) => b.featureId === FEATURE);
    expect(cached).toMatchObject({ granted: theirs.granted, remaining: theirs.remaining, usage: theirs.usage });
    expect(cached?.rollovers?.map((r) => r.balance)).toEqual(theirs.rollovers?.map((r) => r.balance));
    expect(cached?.rollovers?.reduce((a, r) => a + r.balance, 0)).toBe(50);
    const check = evaluateFeature({ customer: row, features, featureId: FEATURE, required: 1, now });
    expect(check.balance).toBe(theirs.remaining);
    for (const required of [1, theirs.remaining - 1, theirs.remaining, theirs.remaining + 1]) {
      const ours = evaluateFeature({ customer: row, features, featureId: FEATURE, required, now }).allowed;
      expect({ required, allowed: ours }).toEqual({ required, allowed: (await autumn.check({ customerId, featureId: FEATURE, requiredBalance: required })).allowed });
    }
  });

  it("a second reset the cache only knows lazily keeps the rollover's balance and never allows more than Autumn", async () => {
    const customerId = "org_rollover_2";
    await autumn.customers.getOrCreate({ customerId });
    await autumn.billing.attach({ customerId, planId: PLAN, noBillingChanges: true });
    const start = await sync(customerId);
    const firstReset = start.row.balances.find((b) => b.featureId === FEATURE)?.nextResetAt ?? NaN;
    await t.control("/sandbox/clock/advance", { ms: firstReset - start.now + DAY, customer_id: customerId });
    await autumn.track({ customerId, featureId: FEATURE, value: 20 }); // drains the rollover first (§3)
    const { row, now } = await sync(customerId);
    const cached = row.balances.find((b) => b.featureId === FEATURE);
    expect(cached?.rollovers?.reduce((a, r) => a + r.balance, 0)).toBe(30);
    const secondReset = cached?.nextResetAt ?? NaN;
    expect(secondReset).toBeGreaterThan(now);

    const later = Number((await t.control("/sandbox/clock/advance", { ms: secondReset - now + DAY, customer_id: customerId })).now);
    const lazy = evaluateFeature({ customer: row, features, featureId: FEATURE, required: 1, now: later });
    const theirs = await autumnBalance(customerId);
    // The allowance resets to 100 and the rollover's 30 survives (it expires a month after this reset).
    // Autumn also rolls this period's unused 100 over (capped at 50 in all, oldest trimmed first): 150.
    expect(lazy).toMatchObject({ balance: 130, granted: 150, usage: 20 });
    expect(theirs.remaining).toBeGreaterThanOrEqual(130);
    for (const required of [1, 100, 130, 131, theirs.remaining, theirs.remaining + 1]) {
      const ours = evaluateFeature({ customer: row, features, featureId: FEATURE, required, now: later }).allowed;
      const autumnSays = (await autumn.check({ customerId, featureId: FEATURE, requiredBalance: required })).allowed;
      if (ours) expect({ required, autumnSays }).toEqual({ required, autumnSays: true });
    }
    // After the next sync the cache is exact again.
    const fresh = await sync(customerId);
    expect(fresh.row.balances.find((b) => b.featureId === FEATURE)).toMatchObject({ granted: theirs.granted, remaining: theirs.remaining });
  });
});
