// evaluateFeature must give Autumn's answer without asking Autumn. The main
// suite proves it against the sandbox: for a table of customer states, every
// catalog feature and a range of required amounts, the verdict computed from
// the cached row (customerToRow of the fetched customer) is compared with
// `autumn.check` on the same state. Then unit tests pin the numbers
// (balances, credit conversion, resets) on hand-built rows.
import type { Autumn } from "autumn-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autumnError, startTestSandbox, TEST_KEY, type TestSandbox } from "../../packages/autumn-sandbox/src/testing";
import { createAutumn } from "./autumn";
import { evaluateFeature, isFeatureAvailable } from "./entitlements";
import { customerToRow, featureToRow } from "./mapping";
import type { Balance, CustomerRow, FeatureRow } from "./schema";

// ── Agreement with Autumn (the sandbox) ──────────────────────────────────────

/** Units asked for: a give-back, small, just past a plan or pack, a credit-pool edge, and far beyond anything. */
const REQUIRED = [-1, 1, 3, 5, 60, 101, 520, 1_000_000] as const;

interface Step {
  attach?: string;
  track?: { featureId: string; value: number; overflow?: boolean };
}

const attach = (planId: string): Step => ({ attach: planId });
const track = (featureId: string, value: number, overflow = false): Step => ({ track: { featureId, value, overflow } });

/** Customer states; each starts as a fresh customer on the default free plan. */
const STATES: Record<string, Step[]> = {
  "free, fresh": [],
  "free, partly used": [track("standard_messages", 20)],
  "free, exhausted": [track("standard_messages", 50)],
  "free, overflowed to -10": [track("standard_messages", 60, true)],
  "pro": [attach("pro")],
  "pro, partly used": [attach("pro"), track("premium_messages", 40), track("standard_messages", 300)],
  "pro, premium exhausted": [attach("pro"), track("premium_messages", 100)],
  "team": [attach("team")],
  "team, premium past 1000 (usage-based overage)": [attach("team"), track("premium_messages", 1200), track("standard_messages", 5000)],
  "free + credit_pack": [attach("credit_pack")],
  "free + credit_pack, partly used": [attach("credit_pack"), track("premium_messages", 30), track("standard_messages", 60)],
  "free + credit_pack, drained": [attach("credit_pack"), track("premium_messages", 100)],
  "pro + credit_pack, premium exhausted": [attach("pro"), attach("credit_pack"), track("premium_messages", 100)],
  // Own premium 2 left, credits 10 left (= 2 premium): a split no single source covers.
  "pro + credit_pack, own and credits both low": [attach("pro"), attach("credit_pack"), track("premium_messages", 98), track("standard_messages", 1490)],
  "free, seats at the limit (2 of 2)": [track("seats", 2)],
  "free, seats over the limit (3 of 2)": [track("seats", 3)],
};

/**
 * Cells where the sandbox is known to answer differently from real Autumn,
 * with real Autumn's answer. The evaluator must give that answer, and the
 * entry asserts the sandbox still differs, so fixing the sandbox makes this
 * suite say which entry to delete.
 *
 * Real Autumn (srv getCheckDataV2 → shared getFeatureToUseForCheck,
 * getCheckResponseV2) judges ONE balance: the feature's own if it alone
 * allows the check, else the first credit system whose balance allows the
 * unconverted amount, else the first credit system, with the amount
 * converted by credit_cost. Own balance + credits are never summed. The
 * sandbox once summed them; it now follows the same rule.
 */
const KNOWN_SANDBOX_DIVERGENCES: Record<string, boolean> = {
  // Empty: the sandbox judges one balance per check like real Autumn
  // (own balance, else one credit system), so every cell must agree.
};

interface Cell {
  state: string;
  featureId: string;
  required: number;
}

const cellKey = (c: Cell): string => `${c.state} / ${c.featureId} / ${c.required}`;

let t: TestSandbox;
/** The module's own client (fail-closed autumn-js, as sync.ts uses), so its types are the ones mapping.ts takes. */
let autumn: Autumn;
let features: FeatureRow[];
let planNames: Map<string, string>;

/** The sandbox's clock (customers here never get a clock offset of their own, except where a test advances one). */
async function sandboxNow(): Promise<number> {
  const now = Number((await t.control("/sandbox/clock", undefined, "GET")).now);
  if (!Number.isFinite(now)) throw new Error("sandbox clock unreadable");
  return now;
}

async function cachedRow(customerId: string, now: number): Promise<CustomerRow> {
  const customer = await autumn.customers.get({ customerId });
  return customerToRow(customerId, customer, planNames, now);
}

let seq = 0;
async function customerIn(steps: Step[]): Promise<string> {
  seq += 1;
  const customerId = `org_ent_${seq}`;
  await autumn.customers.getOrCreate({ customerId });
  for (const s of steps) {
    if (s.attach) await autumn.billing.attach({ customerId, planId: s.attach, noBillingChanges: true });
    if (s.track) {
      await autumn.track({
        customerId,
        featureId: s.track.featureId,
        value: s.track.value,
        ...(s.track.overflow ? { overageBehavior: "overflow" as const } : {}),
      });
    }
  }
  return customerId;
}

/** Compare evaluator and sandbox over every feature × REQUIRED; returns one line per disagreement. */
async function disagreements(state: string, customerId: string, row: CustomerRow, now: number): Promise<{ cells: number; problems: string[] }> {
  const problems: string[] = [];
  let cells = 0;
  for (const f of features) {
    for (const required of REQUIRED) {
      const cell = { state, featureId: f.featureId, required };
      const ours = evaluateFeature({ customer: row, features, featureId: f.featureId, required, now });
      const theirs = (await autumn.check({ customerId, featureId: f.featureId, requiredBalance: required })).allowed;
      cells += 1;
      const known = KNOWN_SANDBOX_DIVERGENCES[cellKey(cell)];
      if (known !== undefined) {
        if (ours.allowed !== known) problems.push(`${cellKey(cell)}: evaluator allowed=${ours.allowed}, real Autumn answers ${known}`);
        if (theirs === known) problems.push(`${cellKey(cell)}: the sandbox now agrees with real Autumn (${known}); delete this KNOWN_SANDBOX_DIVERGENCES entry`);
        continue;
      }
      if (ours.allowed !== theirs) {
        const b = row.balances.filter((x) => x.featureId === f.featureId || x.featureId === "ai_credits");
        problems.push(`${cellKey(cell)}: evaluator allowed=${ours.allowed} (${ours.reason}, balance ${ours.balance}), sandbox check allowed=${theirs}; cached ${JSON.stringify(b)}`);
      }
    }
  }
  return { cells, problems };
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

describe("evaluateFeature agrees with Autumn's check", () => {
  it("covers every kind of feature in the catalog", () => {
    const types = new Set(features.map((f) => (f.type === "metered" ? `metered/${f.consumable ? "consumable" : "allocated"}` : f.type)));
    expect([...types].sort()).toEqual(["boolean", "credit_system", "metered/allocated", "metered/consumable"]);
  });

  it.each(Object.keys(STATES))("%s: every feature × required amount", async (state) => {
    const customerId = await customerIn(STATES[state] ?? []);
    const now = await sandboxNow();
    const row = await cachedRow(customerId, now);
    const { cells, problems } = await disagreements(state, customerId, row, now);
    expect(cells).toBe(features.length * REQUIRED.length);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("a period that ended after the cache was written is treated as reset, as Autumn does on its next read", async () => {
    const state = "free, exhausted, then the month ends (stale cache)";
    const customerId = await customerIn([track("standard_messages", 50)]);
    const before = await sandboxNow();
    const stale = await cachedRow(customerId, before);
    const standard = stale.balances.find((b) => b.featureId === "standard_messages");
    expect(standard?.remaining).toBe(0);
    expect(standard?.nextResetAt).toBeGreaterThan(before);
    expect(evaluateFeature({ customer: stale, features, featureId: "standard_messages", now: before }).allowed).toBe(false);

    const after = Number((await t.control("/sandbox/clock/advance", { ms: 32 * 86_400_000, customer_id: customerId })).now);
    expect(after).toBeGreaterThan(standard?.nextResetAt ?? Infinity);
    const fresh = evaluateFeature({ customer: stale, features, featureId: "standard_messages", required: 50, now: after });
    expect(fresh).toMatchObject({ allowed: true, balance: 50, usage: 0, granted: 50 });

    const { problems } = await disagreements(state, customerId, stale, after);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("an unknown feature is refused by both: Autumn with 404 feature_not_found, the evaluator with reason unknown_feature", async () => {
    const customerId = await customerIn([attach("team")]);
    const now = await sandboxNow();
    const row = await cachedRow(customerId, now);
    expect(await autumnError(autumn.check({ customerId, featureId: "no_such_feature" }))).toMatchObject({ status: 404, code: "feature_not_found" });
    expect(evaluateFeature({ customer: row, features, featureId: "no_such_feature", now })).toMatchObject({ allowed: false, reason: "unknown_feature" });
  });

  it("reports the credit-pack numbers of a real cached row: 500 credits pay for 100 premium messages", async () => {
    const customerId = await customerIn([attach("credit_pack"), track("premium_messages", 30)]);
    const now = await sandboxNow();
    const row = await cachedRow(customerId, now);
    expect(row.balances.find((b) => b.featureId === "ai_credits")).toMatchObject({ granted: 500, remaining: 350, usage: 150 });
    expect(evaluateFeature({ customer: row, features, featureId: "premium_messages", now })).toMatchObject({
      allowed: true, included: true, unlimited: false, reason: "ok", balance: 70, granted: 100, usage: 30, creditCost: 5, nextResetAt: null,
    });
    // standard_messages: free's own 50 (monthly) plus 350 credits at cost 1.
    const standard = evaluateFeature({ customer: row, features, featureId: "standard_messages", now });
    expect(standard).toMatchObject({ balance: 400, granted: 550, usage: 150, creditCost: 1 });
    expect(standard.nextResetAt).toBe(row.balances.find((b) => b.featureId === "standard_messages")?.nextResetAt);
    expect(standard.nextResetAt).toBeGreaterThan(now);
  });
});

// ── Unit tests on hand-built rows ───────────────────────────────────────────

const NOW = Date.UTC(2026, 0, 15);
const DAY = 86_400_000;

function feature(featureId: string, type: FeatureRow["type"], consumable: boolean, creditSchema: FeatureRow["creditSchema"] = []): FeatureRow {
  return { featureId, name: featureId, type, consumable, creditSchema, eventNames: [], display: null, archived: false, syncedAt: NOW };
}

const CATALOG: FeatureRow[] = [
  feature("custom_branding", "boolean", false),
  feature("standard_messages", "metered", true),
  feature("premium_messages", "metered", true),
  feature("seats", "metered", false),
  feature("ai_credits", "credit_system", true, [
    { meteredFeatureId: "standard_messages", creditCost: 1 },
    { meteredFeatureId: "premium_messages", creditCost: 5 },
  ]),
];

function bal(featureId: string, granted: number, usage: number, extra: Partial<Balance> = {}): Balance {
  return {
    featureId, granted, usage, remaining: granted - usage, unlimited: false, overageAllowed: false, maxPurchase: null, nextResetAt: null, ...extra,
  };
}

function customer(balances: Balance[], flags: string[] = []): CustomerRow {
  return {
    organizationId: "org_1", customerId: "org_1", name: null, email: null, subscriptions: [], purchases: [],
    balances, flags: flags.map((featureId) => ({ featureId, planId: "pro", expiresAt: null })), invoices: [], syncedAt: NOW, lastSyncError: null,
  };
}

const check = (c: CustomerRow | null, featureId: string, required?: number, now = NOW) =>
  evaluateFeature({ customer: c, features: CATALOG, featureId, now, ...(required !== undefined ? { required } : {}) });

describe("evaluateFeature numbers", () => {
  it("converts credits into units of the feature: 500 credits at cost 5 are 100 premium messages", () => {
    const c = customer([bal("ai_credits", 500, 0)]);
    expect(check(c, "premium_messages")).toEqual({
      featureId: "premium_messages", allowed: true, included: true, unlimited: false, balance: 100, usage: 0, granted: 100,
      nextResetAt: null, reason: "ok", requiredBalance: 1, creditCost: 5,
    });
    expect(check(c, "premium_messages", 100).allowed).toBe(true);
    expect(check(c, "premium_messages", 101)).toMatchObject({ allowed: false, reason: "quota_exceeded", balance: 100, requiredBalance: 101 });
    // The pool itself, checked directly, is in credits.
    expect(check(c, "ai_credits", 500)).toMatchObject({ allowed: true, balance: 500, granted: 500 });
    expect(check(c, "ai_credits")).not.toHaveProperty("creditCost");
  });

  it("does not round fractional credit balances: 7 credits at cost 5 are 1.4 premium messages", () => {
    const c = customer([bal("ai_credits", 500, 493)]);
    expect(check(c, "premium_messages")).toMatchObject({ allowed: true, balance: 1.4, usage: 98.6, granted: 100 });
    expect(check(c, "premium_messages", 1.4).allowed).toBe(true);
    expect(check(c, "premium_messages", 2).allowed).toBe(false);
  });

  it("adds own balance and credits into `balance`, but like Autumn lets one source decide `allowed`", () => {
    const c = customer([bal("premium_messages", 100, 98, { nextResetAt: NOW + 10 * DAY }), bal("ai_credits", 500, 490)]);
    const r = check(c, "premium_messages", 3);
    expect(r).toMatchObject({ balance: 4, granted: 200, usage: 196, creditCost: 5, allowed: false, reason: "quota_exceeded" });
    expect(check(c, "premium_messages", 2).allowed).toBe(true); // own balance alone
    // Own exhausted: credits decide, with the amount converted (2 × 5 = 10 ≤ 10).
    const c2 = customer([bal("premium_messages", 100, 100), bal("ai_credits", 500, 490)]);
    expect(check(c2, "premium_messages", 2).allowed).toBe(true);
    expect(check(c2, "premium_messages", 3).allowed).toBe(false);
  });

  it("unlimited balances allow anything and report no balance", () => {
    const c = customer([bal("standard_messages", 0, 5000, { unlimited: true, remaining: 0 })]);
    expect(check(c, "standard_messages", 1_000_000)).toMatchObject({ allowed: true, unlimited: true, balance: null, granted: null, usage: 5000, reason: "ok" });
  });

  it("usage-based overage allows past the grant, up to max_purchase (overage beyond the grant) when set", () => {
    const open = customer([bal("premium_messages", 1000, 1200, { remaining: 0, overageAllowed: true })]);
    expect(check(open, "premium_messages", 1_000_000)).toMatchObject({ allowed: true, balance: 0, usage: 1200 });
    const capped = customer([bal("premium_messages", 1000, 1200, { remaining: 0, overageAllowed: true, maxPurchase: 500 })]);
    expect(check(capped, "premium_messages", 300).allowed).toBe(true);
    expect(check(capped, "premium_messages", 301).allowed).toBe(false);
    const early = customer([bal("premium_messages", 1000, 400, { overageAllowed: true, maxPurchase: 500 })]);
    expect(check(early, "premium_messages", 1100).allowed).toBe(true);
    expect(check(early, "premium_messages", 1101).allowed).toBe(false);
  });

  it("allocated features: over the limit is denied, a give-back is allowed", () => {
    const c = customer([bal("seats", 2, 3, { remaining: 0 })]);
    expect(check(c, "seats")).toMatchObject({ allowed: false, reason: "quota_exceeded", balance: 0, usage: 3, granted: 2 });
    expect(check(c, "seats", -1)).toMatchObject({ allowed: true, reason: "ok" });
  });

  it("a negative (overflowed) own balance is compared as is", () => {
    const c = customer([bal("standard_messages", 50, 60)]);
    expect(check(c, "standard_messages")).toMatchObject({ allowed: false, balance: -10 });
  });

  it("boolean features: allowed iff a flag exists", () => {
    expect(check(customer([], ["custom_branding"]), "custom_branding")).toEqual({
      featureId: "custom_branding", allowed: true, included: true, unlimited: false, balance: null, usage: null, granted: null,
      nextResetAt: null, reason: "ok", requiredBalance: 1,
    });
    expect(check(customer([]), "custom_branding")).toMatchObject({ allowed: false, included: false, reason: "not_included" });
    expect(check(customer([]), "custom_branding", -1).allowed).toBe(false);
  });

  it("a feature the plans do not grant is not included, and a give-back does not change that", () => {
    const c = customer([bal("standard_messages", 50, 0)]);
    expect(check(c, "premium_messages")).toMatchObject({ allowed: false, included: false, reason: "not_included", balance: null, creditCost: 5 });
    expect(check(c, "premium_messages", -1).allowed).toBe(false);
  });

  it("unknown features do not throw: allowed false, reason unknown_feature (even without a customer)", () => {
    for (const c of [customer([bal("standard_messages", 50, 0)]), null]) {
      expect(check(c, "nope")).toEqual({
        featureId: "nope", allowed: false, included: false, unlimited: false, balance: null, usage: null, granted: null,
        nextResetAt: null, reason: "unknown_feature", requiredBalance: 1,
      });
    }
  });

  it("a missing customer row is not_provisioned", () => {
    expect(check(null, "standard_messages", 5)).toMatchObject({ allowed: false, included: false, reason: "not_provisioned", requiredBalance: 5, creditCost: 1 });
    expect(check(null, "custom_branding")).toMatchObject({ allowed: false, reason: "not_provisioned" });
  });

  it("nextResetAt is the earliest reset among the balances paying for the feature", () => {
    const c = customer([bal("standard_messages", 50, 10, { nextResetAt: NOW + 20 * DAY }), bal("ai_credits", 500, 0, { nextResetAt: NOW + 5 * DAY })]);
    expect(check(c, "standard_messages").nextResetAt).toBe(NOW + 5 * DAY);
    expect(check(customer([bal("seats", 2, 1)]), "seats").nextResetAt).toBeNull();
  });

  it("a balance whose reset time has passed counts as reset (usage 0, remaining = granted)", () => {
    const resetAt = NOW + 10 * DAY;
    const c = customer([bal("standard_messages", 50, 50, { nextResetAt: resetAt }), bal("seats", 2, 2)]);
    expect(check(c, "standard_messages", 1, resetAt - 1)).toMatchObject({ allowed: false, balance: 0, usage: 50 });
    expect(check(c, "standard_messages", 50, resetAt)).toMatchObject({ allowed: true, balance: 50, usage: 0, granted: 50, nextResetAt: resetAt });
    // Allocated balances have no reset and are untouched by time.
    expect(check(c, "seats", 1, resetAt + 365 * DAY)).toMatchObject({ allowed: false, usage: 2 });
  });

  it("accepts the catalog as a Map as well as an array", () => {
    const c = customer([bal("ai_credits", 500, 0)]);
    const map = new Map(CATALOG.map((f) => [f.featureId, f]));
    expect(evaluateFeature({ customer: c, features: map, featureId: "premium_messages", required: 100, now: NOW }))
      .toEqual(check(c, "premium_messages", 100));
  });

  it("isFeatureAvailable is the check's verdict", () => {
    const c = customer([bal("standard_messages", 50, 49)]);
    expect(isFeatureAvailable(check(c, "standard_messages", 1))).toBe(true);
    expect(isFeatureAvailable(check(c, "standard_messages", 2))).toBe(false);
    expect(isFeatureAvailable(check(null, "standard_messages"))).toBe(false);
  });
});
