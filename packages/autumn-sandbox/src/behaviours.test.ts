// One test per behaviour of /work/shared/reference/autumn-behaviours.md
// (numbered 1–26), plus reservations and credit systems, all driven through
// the unmodified autumn-js client (fail-open off) against a fresh sandbox
// seeded from autumn.config.ts. Shapes the catalog lacks are created through
// the API itself (features.create, plans.create, balances.create), never by
// touching state. Every test uses its own customers; time moves per customer
// (`/sandbox/clock/advance` with `customer_id`) so tests cannot disturb each
// other.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autumn } from "autumn-js";
import { addCard, autumnError, payCheckout, startTestSandbox, TEST_KEY, type TestSandbox } from "./testing.js";

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

const DAY = 86_400_000;
const CARD = "4242424242424242";
let seq = 0;

function uid(prefix: string): string {
  seq += 1;
  return `${prefix}_${seq}`;
}

/** A fresh customer (on the free default plan). */
async function customer(prefix: string): Promise<string> {
  const id = uid(prefix);
  await t.autumn.customers.getOrCreate({ customerId: id });
  return id;
}

/** Grant a plan without billing (no checkout, no charge). */
async function grant(customerId: string, planId: string): Promise<void> {
  const r = await t.autumn.billing.attach({ customerId, planId, noBillingChanges: true });
  expect(r.paymentUrl).toBeNull();
}

/** Put a card on file through the hosted setup-payment page. */
/** Pay a hosted checkout and let it settle. */
async function pay(paymentUrl: string): Promise<void> {
  const res = await payCheckout(paymentUrl, CARD);
  expect(res.status).toBeLessThan(400);
  await t.control("/sandbox/checkouts/settle");
}

/** Move one customer's clock forward. */
async function advance(customerId: string, ms: number): Promise<void> {
  await t.control("/sandbox/clock/advance", { ms, customer_id: customerId });
}

/** The sandbox time on a customer's clock (read only). */
function nowOf(customerId: string): number {
  return t.sandbox.ctx.now(t.sandbox.store.state.customers[customerId] ?? null);
}

async function get(customerId: string) {
  return t.autumn.customers.get({ customerId });
}

async function bal(customerId: string, featureId: string) {
  const c = await get(customerId);
  const b = c.balances[featureId];
  if (!b) throw new Error(`no ${featureId} balance for ${customerId}`);
  return b;
}

/** Independent calendar arithmetic: `start` + n months in UTC, month ends clamped. */
function addMonths(start: number, n: number): number {
  const d = new Date(start);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

function sub(c: Awaited<ReturnType<typeof get>>, planId: string) {
  return c.subscriptions.find((s) => s.planId === planId);
}

/** Monthly 100 (pro's premium_messages) + one-off 50 created *before* it. */
async function monthlyPlusOneOff(prefix: string): Promise<string> {
  const id = await customer(prefix);
  await t.autumn.balances.create({ customerId: id, featureId: "premium_messages", includedGrant: 50 });
  await grant(id, "pro");
  const b = await bal(id, "premium_messages");
  expect(b.granted).toBe(150);
  return id;
}

describe("autumn behaviours", () => {
  it("1. a new customer gets the auto-enable plan, active, with its features at once", async () => {
    const id = uid("c1");
    const c = await t.autumn.customers.getOrCreate({ customerId: id, name: "One" });
    expect(c.subscriptions).toHaveLength(1);
    expect(c.subscriptions[0]).toMatchObject({ planId: "free", status: "active", autoEnable: true, addOn: false, canceledAt: null });
    expect(c.balances.standard_messages).toMatchObject({ granted: 50, remaining: 50, usage: 0, unlimited: false });
    expect(c.balances.seats).toMatchObject({ granted: 2, remaining: 2, usage: 0 });
    expect(c.flags).toEqual({});
    const r = await t.autumn.check({ customerId: id, featureId: "standard_messages" });
    expect(r.allowed).toBe(true);
  });

  it("2. a boolean check is allowed by any active plan's flag, with balance null and a flag object", async () => {
    const id = await customer("c2");
    await grant(id, "pro");
    const r = await t.autumn.check({ customerId: id, featureId: "custom_branding" });
    expect(r.allowed).toBe(true);
    expect(r.balance).toBeNull();
    expect(r.flag).toMatchObject({ planId: "pro", featureId: "custom_branding", expiresAt: null });
    expect(typeof r.flag?.id).toBe("string");
    expect(r.flag?.id).not.toBe("");
  });

  it("3. a known feature the customer lacks is 200 not-allowed; an unknown feature is 404 feature_not_found", async () => {
    const id = await customer("c3");
    for (const featureId of ["custom_branding", "priority_support", "premium_messages"]) {
      const r = await t.autumn.check({ customerId: id, featureId });
      expect(r).toMatchObject({ allowed: false, balance: null, flag: null });
    }
    expect(await autumnError(t.autumn.check({ customerId: id, featureId: "no_such_feature" })))
      .toMatchObject({ status: 404, code: "feature_not_found" });
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "no_such_feature", value: 1 })))
      .toMatchObject({ status: 404, code: "feature_not_found" });
  });

  it("4. a metered check needs remaining >= required_balance (default 1) and still returns the balance when denied", async () => {
    const id = await customer("c4");
    const one = await t.autumn.check({ customerId: id, featureId: "standard_messages" });
    expect(one.allowed).toBe(true);
    expect(one.requiredBalance).toBe(1);
    expect(one.balance).toMatchObject({ granted: 50, remaining: 50, usage: 0 });
    expect(one.flag).toBeNull();
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 50 })).allowed).toBe(true);
    const denied = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 51 });
    expect(denied.allowed).toBe(false);
    expect(denied.balance).toMatchObject({ granted: 50, remaining: 50 });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 45 });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 5 })).allowed).toBe(true);
    const six = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 6 });
    expect(six.allowed).toBe(false);
    expect(six.balance).toMatchObject({ remaining: 5, usage: 45 });
  });

  it("5. track subtracts value (default 1), returns the balance and signed deductions; a boolean track has none", async () => {
    const id = await customer("c5");
    const r1 = await t.autumn.track({ customerId: id, featureId: "standard_messages" });
    expect(r1.value).toBe(1);
    expect(r1.balance).toMatchObject({ featureId: "standard_messages", granted: 50, remaining: 49, usage: 1 });
    expect(r1.deductions).toHaveLength(1);
    expect(r1.deductions?.[0]).toMatchObject({ featureId: "standard_messages", planId: "free", value: 1, reset: { interval: "month" } });
    expect(typeof r1.deductions?.[0]?.balanceId).toBe("string");
    const r2 = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 4 });
    expect(r2.balance).toMatchObject({ remaining: 45, usage: 5 });
    expect(r2.deductions?.map((d) => d.value)).toEqual([4]);
    const r3 = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: -2 });
    expect(r3.balance).toMatchObject({ remaining: 47, usage: 3 });
    expect(r3.deductions?.map((d) => d.value)).toEqual([-2]);

    const pro = await customer("c5p");
    await grant(pro, "pro");
    const b = await t.autumn.track({ customerId: pro, featureId: "custom_branding", value: 1 });
    expect(b.balance).toBeNull();
    expect(b.deductions).toEqual([]);
  });

  it("6. a negative track refunds, but usage never drops below 0 nor remaining above granted", async () => {
    const id = await customer("c6");
    await grant(id, "pro");
    const used = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 20 });
    expect(used.balance).toMatchObject({ granted: 100, remaining: 80, usage: 20 });
    const back = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: -50 });
    expect(back.balance).toMatchObject({ granted: 100, remaining: 100, usage: 0 });
    expect(back.deductions?.map((d) => d.value)).toEqual([-20]);
    expect(await bal(id, "premium_messages")).toMatchObject({ granted: 100, remaining: 100, usage: 0 });
  });

  it("7. a consumable without overage clamps at zero", async () => {
    const id = await customer("c7");
    await grant(id, "pro");
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 25 });
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 100 });
    expect(r.balance).toMatchObject({ granted: 100, remaining: 0, usage: 100, overageAllowed: false });
    expect(r.deductions?.map((d) => d.value)).toEqual([75]);
    const more = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 5 });
    expect(more.deductions).toEqual([]);
    expect(more.balance).toMatchObject({ remaining: 0, usage: 100 });
    const c = await t.autumn.check({ customerId: id, featureId: "premium_messages" });
    expect(c.allowed).toBe(false);
    expect(c.balance).toMatchObject({ remaining: 0, usage: 100 });
  });

  it("8. an allocated (seats-like) feature is not clamped; check stays false until usage <= granted - required", async () => {
    const id = await customer("c8");
    await grant(id, "pro");
    const r = await t.autumn.track({ customerId: id, featureId: "seats", value: 8 });
    expect(r.balance).toMatchObject({ granted: 5, usage: 8, remaining: 0 });
    expect(r.deductions?.map((d) => d.value)).toEqual([8]);
    expect((await t.autumn.check({ customerId: id, featureId: "seats" })).allowed).toBe(false);
    await t.autumn.track({ customerId: id, featureId: "seats", value: -3 }); // usage 5
    expect((await t.autumn.check({ customerId: id, featureId: "seats" })).allowed).toBe(false);
    await t.autumn.track({ customerId: id, featureId: "seats", value: -1 }); // usage 4
    expect((await t.autumn.check({ customerId: id, featureId: "seats" })).allowed).toBe(true);
    expect((await t.autumn.check({ customerId: id, featureId: "seats", requiredBalance: 2 })).allowed).toBe(false);
    expect(await bal(id, "seats")).toMatchObject({ granted: 5, usage: 4, remaining: 1 });
  });

  it("9. check + send_event deducts atomically when allowed, returns the post-deduction balance, and deducts nothing when denied", async () => {
    const id = await customer("c9");
    const ok = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 10, sendEvent: true });
    expect(ok.allowed).toBe(true);
    expect(ok.balance).toMatchObject({ remaining: 40, usage: 10 });
    expect(await bal(id, "standard_messages")).toMatchObject({ remaining: 40, usage: 10 });
    const no = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 41, sendEvent: true });
    expect(no.allowed).toBe(false);
    expect(no.balance).toMatchObject({ remaining: 40, usage: 10 });
    expect(await bal(id, "standard_messages")).toMatchObject({ remaining: 40, usage: 10 });
    const all = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 40, sendEvent: true });
    expect(all.allowed).toBe(true);
    expect(all.balance).toMatchObject({ remaining: 0, usage: 50 });
  });

  it("10. deduction order: monthly 100 + one-off 50, track 120 → monthly 0, one-off 30 (and the finer rules)", async () => {
    const id = await monthlyPlusOneOff("c10");
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 120 });
    expect(r.deductions?.map((d) => [d.planId, d.value])).toEqual([["pro", 100], [null, 20]]);
    const b = await bal(id, "premium_messages");
    expect(b.breakdown?.map((x) => [x.planId, x.remaining])).toEqual([["pro", 0], [null, 30]]);

    // Shorter interval first, then resets before one-offs, then sooner expiry first.
    const fine = await customer("c10b"); // free: standard_messages 50 monthly, created first
    const now = nowOf(fine);
    await t.autumn.balances.create({ customerId: fine, featureId: "standard_messages", includedGrant: 5, balanceId: `${fine}_never` });
    await t.autumn.balances.create({ customerId: fine, featureId: "standard_messages", includedGrant: 5, expiresAt: now + 30 * DAY, balanceId: `${fine}_expiring` });
    await t.autumn.balances.create({ customerId: fine, featureId: "standard_messages", includedGrant: 10, reset: { interval: "week" }, balanceId: `${fine}_weekly` });
    const f = await t.autumn.track({ customerId: fine, featureId: "standard_messages", value: 63 });
    expect(f.deductions?.map((d) => [d.balanceId.replace(`${fine}_`, ""), d.value])).toEqual([
      ["weekly", 10], [expect.stringMatching(/.+/), 50], ["expiring", 3],
    ]);
    expect(f.deductions?.[1]?.planId).toBe("free");
    expect(f.balance).toMatchObject({ granted: 70, remaining: 7, usage: 63 });

    // Unlimited before limited.
    const unl = await customer("c10c");
    await t.autumn.balances.create({ customerId: unl, featureId: "standard_messages", unlimited: true });
    const u = await t.autumn.track({ customerId: unl, featureId: "standard_messages", value: 5 });
    expect(u.deductions).toHaveLength(1);
    expect(u.deductions?.[0]?.planId).toBeNull();
    const ub = await bal(unl, "standard_messages");
    expect(ub.breakdown?.find((x) => x.planId === "free")).toMatchObject({ remaining: 50, usage: 0 });

    // Prepaid before pay-per-use (two monthly add-ons; the pay-per-use one is older).
    await t.autumn.plans.create({
      planId: "premium_payg", name: "Premium pay-as-you-go", addOn: true,
      items: [{ featureId: "premium_messages", included: 10, reset: { interval: "month" }, price: { amount: 0.05, interval: "month", billingUnits: 1, billingMethod: "usage_based" } }],
    });
    await t.autumn.plans.create({
      planId: "premium_prepaid", name: "Premium prepaid", addOn: true,
      items: [{ featureId: "premium_messages", included: 0, reset: { interval: "month" }, price: { amount: 1, interval: "month", billingUnits: 10, billingMethod: "prepaid" } }],
    });
    const pp = await customer("c10d");
    await grant(pp, "premium_payg");
    await t.autumn.billing.attach({ customerId: pp, planId: "premium_prepaid", featureQuantities: [{ featureId: "premium_messages", quantity: 20 }], noBillingChanges: true });
    expect(await bal(pp, "premium_messages")).toMatchObject({ granted: 30, remaining: 30 });
    const p = await t.autumn.track({ customerId: pp, featureId: "premium_messages", value: 25 });
    expect(p.deductions?.map((d) => [d.planId, d.value])).toEqual([["premium_prepaid", 20], ["premium_payg", 5]]);
  });

  it("11. refunds follow the same order (not reversed): -30 goes to the monthly balance first", async () => {
    const id = await monthlyPlusOneOff("c11");
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 120 });
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: -30 });
    expect(r.deductions?.map((d) => [d.planId, d.value])).toEqual([["pro", -30]]);
    const b = await bal(id, "premium_messages");
    expect(b.breakdown?.map((x) => [x.planId, x.remaining])).toEqual([["pro", 30], [null, 30]]);
    expect(b).toMatchObject({ granted: 150, remaining: 60, usage: 90 });
  });

  it("12. several balances show summed granted/remaining/usage and a breakdown of each", async () => {
    const id = await monthlyPlusOneOff("c12");
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 120 });
    const b = await bal(id, "premium_messages");
    expect(b).toMatchObject({ granted: 150, remaining: 30, usage: 120 });
    expect(b.breakdown).toHaveLength(2);
    const [monthly, oneOff] = b.breakdown ?? [];
    expect(monthly).toMatchObject({ planId: "pro", includedGrant: 100, prepaidGrant: 0, remaining: 0, usage: 100, reset: { interval: "month", intervalCount: 1 } });
    expect(typeof monthly?.reset?.resetsAt).toBe("number");
    expect(oneOff).toMatchObject({ planId: null, includedGrant: 50, prepaidGrant: 0, remaining: 30, usage: 20, reset: null });
    expect(b.nextResetAt).toBe(monthly?.reset?.resetsAt);
  });

  it("13. unlimited items are always allowed and still count usage", async () => {
    const id = await customer("c13");
    await grant(id, "team");
    const c = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 1_000_000 });
    expect(c.allowed).toBe(true);
    expect(c.balance?.unlimited).toBe(true);
    const r = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 50 });
    expect(r.balance).toMatchObject({ unlimited: true, usage: 50 });
    expect(r.deductions?.map((d) => d.value)).toEqual([50]);
    const big = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1_000_000 });
    expect(big.balance?.usage).toBe(1_000_050);
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 5_000_000 })).allowed).toBe(true);
  });

  it("14. usage-based items allow overage: usage passes granted, remaining stays 0, max_purchase caps, add_to_balance lowers usage", async () => {
    const id = await customer("c14");
    await grant(id, "team");
    const before = await t.autumn.check({ customerId: id, featureId: "premium_messages" });
    expect(before.balance).toMatchObject({ granted: 1000, remaining: 1000, overageAllowed: true, maxPurchase: null });
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 1200 });
    expect(r.balance).toMatchObject({ granted: 1000, remaining: 0, usage: 1200, overageAllowed: true });
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 500 })).allowed).toBe(true);
    await t.autumn.balances.update({ customerId: id, featureId: "premium_messages", addToBalance: 100 });
    expect(await bal(id, "premium_messages")).toMatchObject({ granted: 1000, remaining: 0, usage: 1100 });
    await t.autumn.balances.update({ customerId: id, featureId: "premium_messages", addToBalance: 200 });
    expect(await bal(id, "premium_messages")).toMatchObject({ granted: 1000, remaining: 100, usage: 900 });

    // max_purchase caps the overage beyond the grant (autumn-controls.md §1.5: max_purchase − overage;
    // apiPlanItemV1: included 100 + max_purchase 300 = 400 in total).
    await t.autumn.features.create({ featureId: "api_calls", name: "API calls", type: "metered", consumable: true });
    await t.autumn.plans.create({
      planId: "api_capped", name: "API (capped)", group: "api",
      items: [{
        featureId: "api_calls", included: 10, reset: { interval: "month" },
        price: { amount: 0.1, interval: "month", billingUnits: 1, billingMethod: "usage_based", maxPurchase: 15 },
      }],
    });
    const capped = await customer("c14b");
    await grant(capped, "api_capped");
    const t12 = await t.autumn.track({ customerId: capped, featureId: "api_calls", value: 12 });
    expect(t12.balance).toMatchObject({ granted: 10, remaining: 0, usage: 12, overageAllowed: true, maxPurchase: 15 });
    expect((await t.autumn.check({ customerId: capped, featureId: "api_calls", requiredBalance: 13 })).allowed).toBe(true);
    expect((await t.autumn.check({ customerId: capped, featureId: "api_calls", requiredBalance: 14 })).allowed).toBe(false);
    const over = await t.autumn.track({ customerId: capped, featureId: "api_calls", value: 20 });
    expect(over.balance).toMatchObject({ usage: 25, remaining: 0 });
    expect(over.deductions?.map((d) => d.value)).toEqual([13]);
    expect((await t.autumn.check({ customerId: capped, featureId: "api_calls" })).allowed).toBe(false);
  });

  it("15. a repeated Idempotency-Key is 409 duplicate_idempotency_key with no second deduction; a failed first try releases the key", async () => {
    const id = await customer("c15");
    const key = uid("idem");
    const first = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 }, { headers: { "Idempotency-Key": key } });
    expect(first.balance?.remaining).toBe(45);
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 }, { headers: { "Idempotency-Key": key } })))
      .toMatchObject({ status: 409, code: "duplicate_idempotency_key" });
    expect((await bal(id, "standard_messages")).remaining).toBe(45);

    const failing = uid("idem");
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "no_such_feature" }, { headers: { "Idempotency-Key": failing } })))
      .toMatchObject({ status: 404, code: "feature_not_found" });
    const retried = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1 }, { headers: { "Idempotency-Key": failing } });
    expect(retried.balance?.remaining).toBe(44);

    // The track body's idempotency_key behaves the same way.
    const bodyKey = uid("idem_body");
    const a = await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 2, idempotency_key: bodyKey });
    expect(a.status).toBe(200);
    const b = await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 2, idempotency_key: bodyKey });
    expect(b.status).toBe(409);
    expect(b.body.code).toBe("duplicate_idempotency_key");
    expect((await bal(id, "standard_messages")).remaining).toBe(42);
  });

  it("16. customer auto-create is version-gated: 2.1+ answers 404 customer_not_found, < 2.1 creates", async () => {
    const ghost = uid("c16_ghost");
    expect(await autumnError(t.autumn.check({ customerId: ghost, featureId: "standard_messages" })))
      .toMatchObject({ status: 404, code: "customer_not_found" });
    expect(await autumnError(t.autumn.track({ customerId: ghost, featureId: "standard_messages" })))
      .toMatchObject({ status: 404, code: "customer_not_found" });
    const v21 = await t.rpc("balances.check", { customer_id: ghost, feature_id: "standard_messages" }, { "x-api-version": "2.1.0" });
    expect(v21.status).toBe(404);
    expect(await autumnError(get(ghost))).toMatchObject({ status: 404, code: "customer_not_found" });

    const old = uid("c16_old");
    const checked = await t.rpc("balances.check", { customer_id: old, feature_id: "standard_messages" }, { "x-api-version": "2.0.0" });
    expect(checked.status).toBe(200);
    expect(checked.body.allowed).toBe(true);
    const c = await get(old);
    expect(c.subscriptions.map((s) => s.planId)).toEqual(["free"]);

    const old2 = uid("c16_old");
    const tracked = await t.rpc("balances.track", { customer_id: old2, feature_id: "standard_messages", value: 3 }, { "x-api-version": "2.0.0" });
    expect(tracked.status).toBe(200);
    expect((await bal(old2, "standard_messages")).remaining).toBe(47);
  });

  it("17. the 2.x response shape is served to both x-api-version 2.3.0 and 2.4.0", async () => {
    const id = await customer("c17");
    await grant(id, "pro");
    for (const xApiVersion of ["2.3.0", "2.4.0"]) {
      const client = new Autumn({ secretKey: TEST_KEY, serverURL: t.url, failOpen: false, xApiVersion });
      const metered = await client.check({ customerId: id, featureId: "premium_messages" });
      expect(metered.balance).toMatchObject({ featureId: "premium_messages", granted: 100, unlimited: false, overageAllowed: false });
      expect(metered.balance?.breakdown?.[0]).toMatchObject({ planId: "pro", includedGrant: 100 });
      expect(metered.flag).toBeNull();
      const flag = await client.check({ customerId: id, featureId: "custom_branding" });
      expect(flag.flag).toMatchObject({ featureId: "custom_branding", planId: "pro" });
      const tr = await client.track({ customerId: id, featureId: "premium_messages", value: 1 });
      expect(tr.deductions?.[0]).toMatchObject({ featureId: "premium_messages", value: 1 });
      const c = await client.customers.get({ customerId: id });
      expect(c.balances.premium_messages).toMatchObject({ granted: 100 });
      expect(c.flags.custom_branding).toMatchObject({ planId: "pro" });
    }
    expect((await bal(id, "premium_messages")).usage).toBe(2);
  });

  it("18. resets are lazy and anchored at attach time + whole intervals", async () => {
    const id = await customer("c18");
    const c = await get(id);
    const started = sub(c, "free")?.startedAt ?? 0;
    expect(c.balances.standard_messages?.nextResetAt).toBe(addMonths(started, 1));
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 30 });
    // Go 10 days past the first boundary.
    await advance(id, addMonths(started, 1) + 10 * DAY - nowOf(id));
    const b = await bal(id, "standard_messages");
    expect(b).toMatchObject({ granted: 50, remaining: 50, usage: 0 });
    expect(b.nextResetAt).toBe(addMonths(started, 2));
    expect(b.nextResetAt).not.toBe(addMonths(nowOf(id), 1));
    // Several boundaries at once still land on the anchor grid.
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 7 });
    await advance(id, addMonths(started, 4) + DAY - nowOf(id));
    const later = await t.autumn.check({ customerId: id, featureId: "standard_messages" });
    expect(later.balance).toMatchObject({ remaining: 50, usage: 0, nextResetAt: addMonths(started, 5) });
  });

  it("19. a negative free balance resets to the full allowance", async () => {
    const id = await customer("c19");
    const r = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 60, overageBehavior: "overflow" });
    // 2.1+ floors remaining at 0; the overage shows as usage > granted (autumn-controls.md §1.4).
    expect(r.balance).toMatchObject({ granted: 50, remaining: 0, usage: 60 });
    const next = (await bal(id, "standard_messages")).nextResetAt ?? 0;
    await advance(id, next - nowOf(id) + 1000);
    expect(await bal(id, "standard_messages")).toMatchObject({ granted: 50, remaining: 50, usage: 0 });
  });

  it("20. upgrades and lateral switches are immediate: consumables reset, allocated usage carries, flags follow, anchors per rule", async () => {
    // free → pro (paid): re-anchored at attach time.
    const id = await customer("c20");
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 30 });
    await t.autumn.track({ customerId: id, featureId: "seats", value: 2 });
    await addCard(t, id);
    const freeReset = (await bal(id, "standard_messages")).nextResetAt;
    await advance(id, 10 * DAY);
    const att = await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    expect(att.paymentUrl).toBeNull();
    const c = await get(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status])).toEqual([["pro", "active"]]);
    const proStart = sub(c, "pro")?.startedAt ?? 0;
    expect(c.balances.standard_messages).toMatchObject({ granted: 1000, remaining: 1000, usage: 0 });
    // Corrected (issue 10 §1.11): pro starts its 7-day trial here, and the trial is the
    // first period, so the first reset is at the trial end, not attach + 1 month.
    expect(sub(c, "pro")?.trialEndsAt).toBe(proStart + 7 * DAY);
    expect(c.balances.standard_messages?.nextResetAt).toBe(proStart + 7 * DAY);
    expect(c.balances.standard_messages?.nextResetAt).not.toBe(freeReset);
    expect(c.balances.seats).toMatchObject({ granted: 5, usage: 2, remaining: 3 });
    expect(c.flags.custom_branding).toMatchObject({ planId: "pro" });
    expect(c.flags.priority_support).toBeUndefined();

    // pro → team: flags follow the new plan.
    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    const c2 = await get(id);
    expect(c2.subscriptions.map((s) => s.planId)).toEqual(["team"]);
    expect(c2.flags.custom_branding).toMatchObject({ planId: "team" });
    expect(c2.flags.priority_support).toMatchObject({ planId: "team" });
    expect(c2.balances.seats).toMatchObject({ granted: 20, usage: 2, remaining: 18 });

    // free → free (lateral): the reset anchor is kept.
    await t.autumn.plans.create({
      planId: "free_plus", name: "Free plus", group: "main",
      items: [{ featureId: "standard_messages", included: 80, reset: { interval: "month" } }, { featureId: "seats", included: 3 }],
    });
    const f = await customer("c20f");
    await t.autumn.track({ customerId: f, featureId: "standard_messages", value: 20 });
    await t.autumn.track({ customerId: f, featureId: "seats", value: 1 });
    const keep = (await bal(f, "standard_messages")).nextResetAt;
    await advance(f, 5 * DAY);
    expect((await t.autumn.billing.attach({ customerId: f, planId: "free_plus" })).paymentUrl).toBeNull();
    const cf = await get(f);
    expect(cf.subscriptions.map((s) => s.planId)).toEqual(["free_plus"]);
    expect(cf.balances.standard_messages).toMatchObject({ granted: 80, remaining: 80, usage: 0, nextResetAt: keep });
    expect(cf.balances.seats).toMatchObject({ granted: 3, usage: 1, remaining: 2 });
  });

  it("21. a downgrade is scheduled for the period end; balances stay until the switch, where allocated usage carries over", async () => {
    const id = await customer("c21");
    await addCard(t, id);
    expect((await t.autumn.billing.attach({ customerId: id, planId: "team" })).paymentUrl).toBeNull();
    await t.autumn.track({ customerId: id, featureId: "seats", value: 8 });
    expect((await t.autumn.billing.attach({ customerId: id, planId: "pro" })).paymentUrl).toBeNull();
    const c = await get(id);
    const team = sub(c, "team");
    const pro = sub(c, "pro");
    expect(team).toMatchObject({ status: "active" });
    expect(team?.canceledAt).not.toBeNull();
    expect(pro).toMatchObject({ status: "scheduled" });
    expect(pro?.startedAt).toBe(team?.currentPeriodEnd);
    expect(c.balances.seats).toMatchObject({ granted: 20, usage: 8 });
    expect(c.balances.premium_messages).toMatchObject({ granted: 1000 });
    expect(c.balances.standard_messages?.unlimited).toBe(true);
    expect(c.flags.priority_support).toBeDefined();

    await advance(id, (team?.currentPeriodEnd ?? 0) - nowOf(id) + 60_000);
    const after = await get(id);
    expect(after.subscriptions.map((s) => [s.planId, s.status])).toEqual([["pro", "active"]]);
    expect(after.balances.seats).toMatchObject({ granted: 5, usage: 8 });
    expect(after.balances.seats?.remaining).toBeLessThanOrEqual(0);
    expect((await t.autumn.check({ customerId: id, featureId: "seats" })).allowed).toBe(false);
    expect(after.balances.premium_messages).toMatchObject({ granted: 100, remaining: 100 });
    expect(after.flags.priority_support).toBeUndefined();
  });

  it("22. upgrading while a downgrade is scheduled cancels it; attaching the active plan again is 409 plan_already_attached", async () => {
    const id = await customer("c22");
    await addCard(t, id);
    await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    await t.autumn.billing.attach({ customerId: id, planId: "free" });
    const scheduled = await get(id);
    expect(sub(scheduled, "free")).toMatchObject({ status: "scheduled" });
    expect(sub(scheduled, "pro")?.canceledAt).not.toBeNull();

    expect((await t.autumn.billing.attach({ customerId: id, planId: "team" })).paymentUrl).toBeNull();
    const c = await get(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status])).toEqual([["team", "active"]]);
    expect(sub(c, "team")?.canceledAt).toBeNull();

    expect(await autumnError(t.autumn.billing.attach({ customerId: id, planId: "team" })))
      .toMatchObject({ status: 409, code: "plan_already_attached" });
    const fresh = await customer("c22b");
    expect(await autumnError(t.autumn.billing.attach({ customerId: fresh, planId: "free" })))
      .toMatchObject({ status: 409, code: "plan_already_attached" });
  });

  it("23. add-ons stack on the main plan and are deducted after it", async () => {
    await t.autumn.plans.create({
      planId: "premium_boost", name: "Premium boost", addOn: true,
      items: [{ featureId: "premium_messages", included: 50, reset: { interval: "month" } }],
    });
    const id = await customer("c23");
    // The add-on is attached first, so creation order alone would deduct it first.
    expect((await t.autumn.billing.attach({ customerId: id, planId: "premium_boost" })).paymentUrl).toBeNull();
    await grant(id, "pro");
    await grant(id, "credit_pack");
    const c = await get(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status, s.addOn]).sort()).toEqual([["premium_boost", "active", true], ["pro", "active", false]]);
    expect(c.purchases.map((p) => p.planId)).toEqual(["credit_pack"]);
    expect(c.balances.ai_credits).toMatchObject({ granted: 500, remaining: 500 });
    expect(c.balances.premium_messages).toMatchObject({ granted: 150, remaining: 150 });

    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 120 });
    expect(r.deductions?.map((d) => [d.planId, d.value])).toEqual([["pro", 100], ["premium_boost", 20]]);
    const b = await bal(id, "premium_messages");
    expect(b.breakdown?.map((x) => [x.planId, x.remaining])).toEqual([["pro", 0], ["premium_boost", 30]]);
    expect((await bal(id, "ai_credits")).remaining).toBe(500);
  });

  it("24. trials: card-required trials start through checkout with no charge; upgrades start a fresh trial or end it and charge; downgrades keep it", async () => {
    // card_required: nothing starts until checkout is paid.
    const id = await customer("c24");
    const att = await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    expect(att.paymentUrl).toEqual(expect.any(String));
    expect((await get(id)).subscriptions.map((s) => s.planId)).toEqual(["free"]);
    const before = nowOf(id);
    await pay(att.paymentUrl ?? "");
    const after = nowOf(id);
    const c = await t.autumn.customers.get({ customerId: id, expand: ["invoices"] });
    const pro = sub(c, "pro");
    expect(pro).toMatchObject({ status: "active" });
    expect(pro?.trialEndsAt).toBeGreaterThanOrEqual(before + 7 * DAY);
    expect(pro?.trialEndsAt).toBeLessThanOrEqual(after + 7 * DAY);
    expect((c.invoices ?? []).filter((i) => i.total > 0)).toEqual([]);

    // Upgrade to a plan without a trial: the trial ends and the charge is now.
    expect((await t.autumn.billing.attach({ customerId: id, planId: "team" })).paymentUrl).toBeNull();
    const up = await t.autumn.customers.get({ customerId: id, expand: ["invoices"] });
    expect(sub(up, "team")).toMatchObject({ status: "active", trialEndsAt: null });
    expect((up.invoices ?? []).map((i) => i.total)).toContain(99);

    // Upgrade to a plan with a trial: a fresh trial.
    await t.autumn.plans.create({
      planId: "pro_max", name: "Pro max", group: "main", price: { amount: 49, interval: "month" },
      freeTrial: { durationLength: 14, durationType: "day", cardRequired: true },
      items: [{ featureId: "standard_messages", included: 5000, reset: { interval: "month" } }],
    });
    const f = await customer("c24f");
    await addCard(t, f);
    await t.autumn.billing.attach({ customerId: f, planId: "pro" });
    const trialing = sub(await get(f), "pro");
    expect(trialing?.trialEndsAt).toBeGreaterThan(nowOf(f));
    await advance(f, 2 * DAY);
    const b2 = nowOf(f);
    expect((await t.autumn.billing.attach({ customerId: f, planId: "pro_max" })).paymentUrl).toBeNull();
    const fc = await t.autumn.customers.get({ customerId: f, expand: ["invoices"] });
    const max = sub(fc, "pro_max");
    expect(max).toMatchObject({ status: "active" });
    expect(max?.trialEndsAt).toBeGreaterThanOrEqual(b2 + 14 * DAY);
    expect(max?.trialEndsAt).toBeLessThanOrEqual(nowOf(f) + 14 * DAY);
    expect((fc.invoices ?? []).filter((i) => i.total > 0)).toEqual([]);

    // A downgrade during a trial keeps the current trial.
    const d = await customer("c24d");
    await addCard(t, d);
    await t.autumn.billing.attach({ customerId: d, planId: "pro" });
    const trialEnd = sub(await get(d), "pro")?.trialEndsAt;
    await t.autumn.billing.attach({ customerId: d, planId: "free" });
    const dc = await get(d);
    expect(sub(dc, "pro")).toMatchObject({ status: "active", trialEndsAt: trialEnd });
    expect(sub(dc, "free")).toMatchObject({ status: "scheduled", startedAt: trialEnd });
  });

  it("25. cancel: end of cycle keeps the plan active until the period ends, then the default returns; immediate ends now; uncancel clears", async () => {
    const id = await customer("c25");
    await addCard(t, id);
    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "cancel_end_of_cycle" });
    const c = await get(id);
    const team = sub(c, "team");
    expect(team).toMatchObject({ status: "active" });
    expect(team?.canceledAt).toEqual(expect.any(Number));
    expect(c.flags.priority_support).toBeDefined();

    await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "uncancel" });
    expect(sub(await get(id), "team")).toMatchObject({ status: "active", canceledAt: null });

    await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "cancel_end_of_cycle" });
    await advance(id, (team?.currentPeriodEnd ?? 0) - nowOf(id) - 60_000);
    expect(sub(await get(id), "team")).toMatchObject({ status: "active" });
    await advance(id, 120_000);
    const ended = await get(id);
    expect(ended.subscriptions.map((s) => [s.planId, s.status])).toEqual([["free", "active"]]);
    expect(ended.balances.standard_messages).toMatchObject({ granted: 50 });
    expect(ended.flags).toEqual({});

    const now = await customer("c25n");
    await addCard(t, now);
    await t.autumn.billing.attach({ customerId: now, planId: "team" });
    await t.autumn.billing.update({ customerId: now, planId: "team", cancelAction: "cancel_immediately" });
    const gone = await get(now);
    expect(gone.subscriptions.map((s) => [s.planId, s.status])).toEqual([["free", "active"]]);
  });

  it("26. balances commit at once: a track is visible to the very next read and plan change", async () => {
    const id = await customer("c26");
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 7 });
    expect((await bal(id, "standard_messages")).remaining).toBe(43);
    await t.autumn.track({ customerId: id, featureId: "seats", value: 2 });
    await grant(id, "pro");
    expect(await bal(id, "seats")).toMatchObject({ granted: 5, usage: 2, remaining: 3 });
    const [tr, read] = await Promise.all([
      t.autumn.track({ customerId: id, featureId: "premium_messages", value: 9 }),
      Promise.resolve().then(() => bal(id, "premium_messages")),
    ]);
    expect(tr.balance?.remaining).toBe(91);
    expect([100, 91]).toContain(read.remaining);
    expect((await bal(id, "premium_messages")).remaining).toBe(91);
  });
});

describe("reservations", () => {
  const lock = (lockId: string, expiresAt?: number) => ({ lockId, enabled: true as const, ...(expiresAt !== undefined ? { expiresAt } : {}) });

  it("check with lock reserves; confirm commits; override gives back or takes more; release restores exactly", async () => {
    const id = await customer("r1");
    const l1 = uid("lock");
    const held = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 10, lock: lock(l1) });
    expect(held.allowed).toBe(true);
    expect(held.balance).toMatchObject({ remaining: 40 });
    expect((await bal(id, "standard_messages")).remaining).toBe(40);
    expect(await t.autumn.balances.finalize({ lockId: l1, action: "confirm" })).toEqual({ success: true });
    expect((await bal(id, "standard_messages")).remaining).toBe(40);

    const l2 = uid("lock");
    await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 10, lock: lock(l2) });
    expect((await bal(id, "standard_messages")).remaining).toBe(30);
    await t.autumn.balances.finalize({ lockId: l2, action: "confirm", overrideValue: 4 });
    expect((await bal(id, "standard_messages")).remaining).toBe(36);

    const l3 = uid("lock");
    await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 10, lock: lock(l3) });
    expect((await bal(id, "standard_messages")).remaining).toBe(26);
    await t.autumn.balances.finalize({ lockId: l3, action: "confirm", overrideValue: 15 });
    expect((await bal(id, "standard_messages")).remaining).toBe(21);

    const l4 = uid("lock");
    await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 7, lock: lock(l4) });
    expect((await bal(id, "standard_messages")).remaining).toBe(14);
    await t.autumn.balances.finalize({ lockId: l4, action: "release" });
    expect(await bal(id, "standard_messages")).toMatchObject({ remaining: 21, usage: 29 });

    // A lock the balance cannot cover (default overage_behavior reject) reserves nothing.
    const l5 = uid("lock");
    const denied = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 22, lock: lock(l5) });
    expect(denied.allowed).toBe(false);
    expect((await bal(id, "standard_messages")).remaining).toBe(21);
  });

  it("a reused lock id is 409, an unknown one 400, release with override_value 400, a second finalize 409", async () => {
    const id = await customer("r2");
    const l = uid("lock");
    await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 3, lock: lock(l) });
    expect(await autumnError(t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 3, lock: lock(l) })))
      .toMatchObject({ status: 409, code: "lock_already_exists" });
    expect((await bal(id, "standard_messages")).remaining).toBe(47);
    expect(await autumnError(t.autumn.balances.finalize({ lockId: uid("nope"), action: "confirm" })))
      .toMatchObject({ status: 400 });
    expect(await autumnError(t.autumn.balances.finalize({ lockId: l, action: "release", overrideValue: 1 })))
      .toMatchObject({ status: 400 });
    expect((await bal(id, "standard_messages")).remaining).toBe(47);
    await t.autumn.balances.finalize({ lockId: l, action: "release" });
    expect((await bal(id, "standard_messages")).remaining).toBe(50);
    expect(await autumnError(t.autumn.balances.finalize({ lockId: l, action: "release" })))
      .toMatchObject({ status: 409 });
    expect(await autumnError(t.autumn.check({ customerId: id, featureId: "standard_messages", lock: lock(l) })))
      .toMatchObject({ status: 409, code: "lock_already_exists" });
  });

  it("a lock whose expires_at has passed on the clock is released on the next read", async () => {
    const id = await customer("r3");
    const l = uid("lock");
    await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 12, lock: lock(l, nowOf(id) + 60_000) });
    expect((await bal(id, "standard_messages")).remaining).toBe(38);
    await advance(id, 120_000);
    expect(await bal(id, "standard_messages")).toMatchObject({ remaining: 50, usage: 0 });
    expect(await autumnError(t.autumn.balances.finalize({ lockId: l, action: "confirm" })))
      .toMatchObject({ status: 409 });
    expect((await bal(id, "standard_messages")).remaining).toBe(50);
  });

  it("200 concurrent check+send_event calls against exactly 50 allow exactly 50", async () => {
    const id = await customer("r4");
    const results = await Promise.all(
      Array.from({ length: 200 }, () => t.autumn.check({ customerId: id, featureId: "standard_messages", sendEvent: true })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(await bal(id, "standard_messages")).toMatchObject({ remaining: 0, usage: 50 });
  });
});

describe("credit systems", () => {
  it("a check judges one balance, never own + credits summed (as the real server's getFeatureToUseForCheck)", async () => {
    const id = await customer("k0");
    await grant(id, "credit_pack"); // free's 50 standard messages + 500 credits at cost 1
    const allowed = async (requiredBalance: number) =>
      (await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance })).allowed;
    expect(await allowed(50)).toBe(true); // the own balance covers it
    expect(await allowed(500)).toBe(true); // the credit pack alone covers it
    expect(await allowed(520)).toBe(false); // 50 + 500 would, but balances are not summed
  });

  it("premium messages beyond the included ones draw 5 ai_credits each from a bought credit pack", async () => {
    const id = await customer("k1");
    await grant(id, "pro");
    await grant(id, "credit_pack");
    expect(await bal(id, "ai_credits")).toMatchObject({ granted: 500, remaining: 500 });
    const inc = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 100 });
    expect(inc.deductions?.map((d) => [d.featureId, d.value])).toEqual([["premium_messages", 100]]);
    expect((await bal(id, "ai_credits")).remaining).toBe(500);

    const beyond = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 3 });
    expect(beyond.deductions?.map((d) => [d.featureId, d.planId, d.value])).toEqual([["ai_credits", "credit_pack", 15]]);
    expect(await bal(id, "ai_credits")).toMatchObject({ granted: 500, remaining: 485, usage: 15 });
    expect(await bal(id, "premium_messages")).toMatchObject({ remaining: 0, usage: 100 });

    // 485 credits cover 97 premium messages, not 98.
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 97 })).allowed).toBe(true);
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 98 })).allowed).toBe(false);
    const sent = await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 2, sendEvent: true });
    expect(sent.allowed).toBe(true);
    expect(await bal(id, "ai_credits")).toMatchObject({ remaining: 475 });

    // Standard messages cost 1 credit once the plan's own run out.
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1003 });
    expect(await bal(id, "standard_messages")).toMatchObject({ remaining: 0, usage: 1000 });
    expect(await bal(id, "ai_credits")).toMatchObject({ remaining: 472 });
  });

  it("a customer with only credits can use premium messages through them", async () => {
    const id = await customer("k2");
    await grant(id, "credit_pack");
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 100 })).allowed).toBe(true);
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 101 })).allowed).toBe(false);
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 4 });
    expect(r.balance).toMatchObject({ featureId: "ai_credits", remaining: 480 });
    expect(r.deductions?.map((d) => [d.featureId, d.value])).toEqual([["ai_credits", 20]]);
  });
});
