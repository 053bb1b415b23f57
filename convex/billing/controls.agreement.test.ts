// The cache and Autumn (the sandbox, through the real autumn-js client) give
// the same `allowed` answer once billing controls are set. A seeded property
// test: each sequence is a fresh customer on a random plan mix, random
// controls written with `customers.update({billingControls})` (usage limits,
// some filtered, on metered features and the credit system; the overage
// switch; spend limits), then tracks (some with properties) with checks in
// between. After every step the customer is synced (customers.get →
// customerToRow, as sync.ts does) and `evaluateFeature` on that row is
// compared with `autumn.check` for random features, amounts and properties.
// Then: usage windows rolling over after the sync (the cache computes the
// roll) and the cached window counter following confirmed reserves.
import type { Autumn } from "autumn-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, TEST_KEY, type TestSandbox } from "../../packages/autumn-sandbox/src/testing";
import { createAutumn } from "./autumn";
import { evaluateFeature } from "./entitlements";
import { customerToRow, featureToRow } from "./mapping";
import type { CustomerRow, FeatureRow } from "./schema";

const SEED = Number(process.env.CONTROLS_SEED ?? 20260115);
const SEQUENCES = 100;
const PARALLEL = 5;

/** mulberry32: small, seedable, good enough to pick test cases. */
function prng(seed: number): { next(): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: (xs) => xs[Math.floor(next() * xs.length)] as (typeof xs)[number], chance: (p) => next() < p };
}

const METERED = ["standard_messages", "premium_messages", "ai_credits"] as const;
const PLAN_MIXES: string[][] = [[], ["pro"], ["team"], ["credit_pack"], ["pro", "credit_pack"], ["team", "credit_pack"]];
const REQUIRED = [1, 2, 5, 10, 25, 60, 150, 600] as const;
const TRACKS = [1, 3, 8, 20, 45, 120] as const;
const PROPS = { model: "sage-pro" } as const;

let t: TestSandbox;
let autumn: Autumn;
let features: FeatureRow[];
let planNames: Map<string, string>;

async function sandboxNow(): Promise<number> {
  return Number((await t.control("/sandbox/clock", undefined, "GET")).now);
}

async function cachedRow(customerId: string, now: number): Promise<CustomerRow> {
  return customerToRow(customerId, await autumn.customers.get({ customerId }), planNames, now);
}

type Rng = ReturnType<typeof prng>;

/** Random billing controls in autumn-js's camelCase (one usage limit per feature and filter, one of the rest per feature). */
function randomControls(r: Rng) {
  const usageLimits: Array<Record<string, unknown>> = [];
  for (const featureId of METERED) {
    if (r.chance(0.45)) usageLimits.push({ featureId, enabled: r.chance(0.85), limit: r.pick([0, 4, 12, 40, 150]), interval: r.pick(["day", "month"]) });
    if (r.chance(0.2)) usageLimits.push({ featureId, limit: r.pick([0, 5, 30]), interval: "month", filter: { properties: { ...PROPS } } });
  }
  // Spend limits bite only past the grant, so a spend-limited feature usually gets overage switched on too.
  const spent = METERED.filter(() => r.chance(0.35));
  const overageAllowed = METERED.filter((f) => (spent.includes(f) ? r.chance(0.7) : r.chance(0.25))).map((featureId) => ({ featureId, enabled: r.chance(0.75) }));
  const spendLimits = spent.map((featureId) => ({
    featureId, enabled: r.chance(0.85), overageLimit: r.pick([0, 10, 50, 400]),
    ...(r.chance(0.25) ? { limitType: "usage_percentage" as const } : {}),
  }));
  return { usageLimits, overageAllowed, spendLimits };
}

/** How often each verdict came up (the cache's reason for a refusal), so the sequences are shown to exercise every step. */
const verdicts: Record<string, number> = {};

async function runSequence(r: Rng, seq: number): Promise<{ checks: number; problems: string[] }> {
  const customerId = `org_ctl_${SEED}_${seq}`;
  const log: string[] = [];
  await autumn.customers.getOrCreate({ customerId });
  for (const planId of r.pick(PLAN_MIXES)) await autumn.billing.attach({ customerId, planId, noBillingChanges: true });
  const controls = randomControls(r);
  log.push(`controls ${JSON.stringify(controls)}`);
  await autumn.customers.update({ customerId, billingControls: controls as Parameters<Autumn["customers"]["update"]>[0]["billingControls"] });
  const problems: string[] = [];
  let checks = 0;
  for (let step = 0; step < 3; step++) {
    const now = await sandboxNow();
    const row = await cachedRow(customerId, now);
    for (let k = 0; k < 4; k++) {
      const held = METERED.filter((f) => row.balances.some((b) => b.featureId === f || (f === "premium_messages" && b.featureId === "ai_credits")));
      const featureId = held.length > 0 && r.chance(0.85) ? r.pick(held) : r.pick(METERED);
      const required = r.pick(REQUIRED);
      const properties = r.chance(0.3) ? { ...PROPS } : undefined;
      const ours = evaluateFeature({ customer: row, features, featureId, required, now, properties: properties ?? null });
      const theirs = (await autumn.check({ customerId, featureId, requiredBalance: required, ...(properties ? { properties } : {}) })).allowed;
      checks += 1;
      const verdict = ours.allowed ? "allowed" : (ours.limitType ?? ours.reason);
      verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
      if (ours.allowed !== theirs) {
        problems.push([
          `seed ${SEED} seq ${seq} step ${step}: check ${featureId} × ${required}${properties ? " with properties" : ""}: cache ${ours.allowed} (${ours.limitType ?? ours.reason}), Autumn ${theirs}`,
          ...log.map((l) => `    ${l}`),
          `    balances ${JSON.stringify(row.balances.map(({ featureId: f, granted, remaining, usage, overageAllowed, maxPurchase }) => ({ f, granted, remaining, usage, overageAllowed, maxPurchase })))}`,
          `    usage limits ${JSON.stringify(row.billingControls?.usageLimits.map((l) => ({ f: l.featureId, limit: l.limit, usage: l.usage, on: l.enabled, filter: l.filter.length })))}`,
        ].join("\n"));
      }
    }
    const featureId = r.pick(METERED);
    const value = r.pick(TRACKS) * (r.chance(0.3) ? 10 : 1);
    const withProps = r.chance(0.3);
    log.push(`track ${featureId} ${value}${withProps ? " with properties" : ""}`);
    await autumn.track({ customerId, featureId, value, ...(withProps ? { properties: { ...PROPS } } : {}) });
  }
  return { checks, problems };
}

beforeAll(async () => {
  t = await startTestSandbox();
  autumn = createAutumn({ secretKey: TEST_KEY, serverURL: t.url });
  const now = await sandboxNow();
  features = (await autumn.features.list()).list.map((f) => featureToRow(f, now));
  planNames = new Map((await autumn.plans.list({})).list.map((p) => [p.id, p.name]));
});

afterAll(async () => {
  await t?.close();
});

describe("the cache and Autumn agree under billing controls", () => {
  it(`${SEQUENCES} random sequences of controls, tracks and checks (seed ${SEED})`, async () => {
    const problems: string[] = [];
    let checks = 0;
    // Sequence i draws from its own stream, so running a few at once changes nothing.
    for (let i = 0; i < SEQUENCES; i += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, SEQUENCES - i) }, (_, j) => runSequence(prng(SEED * 7919 + i + j), i + j));
      for (const out of await Promise.all(batch)) {
        checks += out.checks;
        problems.push(...out.problems);
      }
    }
    console.info(`controls agreement: ${checks} checks, verdicts ${JSON.stringify(verdicts)}`);
    expect(checks).toBe(SEQUENCES * 12);
    // The sequences must reach every refusing step, not only easy passes.
    for (const v of ["allowed", "usage_limit", "included", "spend_limit"]) expect(verdicts[v] ?? 0, v).toBeGreaterThan(0);
    expect(problems, problems.slice(0, 5).join("\n")).toEqual([]);
  }, 60_000);
});

describe("usage windows after the sync", () => {
  async function exhaustedDaily(customerId: string, anchor: "utc" | "billing_cycle"): Promise<{ row: CustomerRow; end: number }> {
    await autumn.customers.getOrCreate({ customerId });
    await autumn.customers.update({ customerId, billingControls: { usageLimits: [{ featureId: "standard_messages", enabled: true, limit: 5, interval: "day", anchor }] } });
    await autumn.track({ customerId, featureId: "standard_messages", value: 5 });
    const now = await sandboxNow();
    const row = await cachedRow(customerId, now);
    const end = row.billingControls?.usageLimits[0]?.windowEndsAt;
    if (typeof end !== "number") throw new Error("no window end cached");
    expect(end).toBeGreaterThan(now);
    expect(end - now).toBeLessThanOrEqual(86_400_000);
    expect(evaluateFeature({ customer: row, features, featureId: "standard_messages", now }).limitType).toBe("usage_limit");
    return { row, end };
  }

  it.each(["utc", "billing_cycle"] as const)("a day window (%s) that rolled since the sync is empty in the cache, as at Autumn", async (anchor) => {
    const customerId = `org_win_${anchor}`;
    const { row, end } = await exhaustedDaily(customerId, anchor);
    // A minute before the roll both still refuse; once past it both allow the whole limit again (and not one more).
    const before = Number((await t.control("/sandbox/clock/advance", { ms: end - (await sandboxNow()) - 60_000, customer_id: customerId })).now);
    expect(evaluateFeature({ customer: row, features, featureId: "standard_messages", now: before }).allowed).toBe(false);
    expect((await autumn.check({ customerId, featureId: "standard_messages" })).allowed).toBe(false);
    const after = Number((await t.control("/sandbox/clock/advance", { ms: 120_000, customer_id: customerId })).now);
    for (const required of [1, 5, 6]) {
      const ours = evaluateFeature({ customer: row, features, featureId: "standard_messages", required, now: after });
      const theirs = (await autumn.check({ customerId, featureId: "standard_messages", requiredBalance: required })).allowed;
      expect({ required, allowed: ours.allowed }).toEqual({ required, allowed: theirs });
    }
    expect(evaluateFeature({ customer: row, features, featureId: "standard_messages", required: 5, now: after }).allowed).toBe(true);
  });
});
