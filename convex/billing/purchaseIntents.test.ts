// Idempotent purchases (issue 12 part B): one intent per dialog open, the
// intent row written before Autumn is called, Autumn's Idempotency-Key from
// org + action + intent. Real autumn-js against the in-process sandbox.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";
import { intentKey } from "./purchaseIntents";
import { errorData, SITE, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

const CARD_OK = "4242 4242 4242 4242";
const SUCCESS = "/billing/success";

let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.syncCatalog();
  owner = await b.signUp("ivy@example.com", "Ivy Intent");
}, 30_000);
afterAll(async () => { await b?.close(); });
afterEach(async () => {
  await b.autumn.control("/sandbox/faults", undefined, "DELETE");
  await b.autumn.control("/sandbox/config", { settlement_delay_ms: 0 });
});

let seq = 0;
const newIntent = (): string => `intent_${++seq}_${Math.random().toString(36).slice(2, 10)}`;
const as = (orgId: string) => b.as(owner, orgId);
async function newOrg(name: string): Promise<string> {
  return b.createProvisionedOrg(owner, name);
}
async function cardOnFile(orgId: string): Promise<void> {
  const { url } = await b.autumn.autumn.billing.setupPayment({ customerId: orgId, successUrl: `${SITE}/billing` });
  expect((await payCheckout(url, CARD_OK)).status).toBe(303);
  await b.autumn.control("/sandbox/checkouts/settle");
}
async function invoices(orgId: string, planId: string): Promise<number[]> {
  const res = await b.autumn.rpc("invoices.list", { customer_id: orgId, limit: 100 });
  expect(res.status).toBe(200);
  return (res.body.list as { plan_ids: string[]; total: number }[]).filter((i) => i.plan_ids.includes(planId)).map((i) => i.total);
}
async function packs(orgId: string): Promise<number> {
  const c = await b.autumn.autumn.customers.get({ customerId: orgId });
  return (c.purchases ?? []).filter((p) => p.planId === "credit_pack").reduce((n, p) => n + Math.max(1, p.quantity ?? 1), 0)
    + c.subscriptions.filter((s) => s.planId === "credit_pack").length;
}
async function calls(route: string): Promise<number> {
  return (await b.autumnCalls())[route] ?? 0;
}
const intentRow = (orgId: string, intentId: string) => b.t.query(internal.billing.purchaseIntents.get, { organizationId: orgId, intentId });

describe("double submits", () => {
  it("50 pairs of concurrent identical add-on purchases (same intent) → 50 charges, 50 invoices", async () => {
    const orgId = await newOrg("Pairs Co");
    await cardOnFile(orgId);
    const before = await calls("billing.attach");
    for (let i = 0; i < 50; i++) {
      const intentId = newIntent();
      const pair = await Promise.all([0, 1].map(() => as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId })));
      expect(pair).toEqual([{ status: "activated" }, { status: "activated" }]);
    }
    expect(await calls("billing.attach") - before).toBe(50);
    expect(await packs(orgId)).toBe(50);
    expect(await invoices(orgId, "credit_pack")).toHaveLength(50);
    // A repeat long after: the first outcome, no call.
    const attaches = await calls("billing.attach");
    const last = `intent_${seq}`;
    const rows = await b.t.run((ctx) => ctx.db.query("billingPurchaseIntents").collect());
    const mine = rows.filter((r) => r.organizationId === orgId);
    expect(mine).toHaveLength(50);
    expect(mine.every((r) => r.state === "done" && r.runs === 1 && r.key === intentKey(orgId, "add_on", r.intentId))).toBe(true);
    const again = mine.find((r) => r.intentId.startsWith(last))!;
    expect(await as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId: again.intentId })).toEqual({ status: "activated" });
    expect(await calls("billing.attach")).toBe(attaches);
  }, 30_000);

  it("checkout double-submit without a card: both get the same payment page, one session; paying it activates the plan once", async () => {
    const orgId = await newOrg("Redirect Pair");
    const intentId = newIntent();
    const before = await calls("billing.attach");
    const [a, c] = await Promise.all([0, 1].map(() => as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId })));
    if (a?.status !== "redirect") throw new Error("expected a redirect");
    expect(c).toEqual(a);
    expect(await calls("billing.attach") - before).toBe(1);
    expect((await payCheckout(a.paymentUrl, CARD_OK)).status).toBe(303);
    // The same intent after paying: still the first outcome, no second attach.
    expect(await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId })).toEqual(a);
    expect(await calls("billing.attach") - before).toBe(1);
    expect(await invoices(orgId, "team")).toHaveLength(1);
  });

  it("cancel double-submit: one billing.update", async () => {
    const orgId = await newOrg("Cancel Pair");
    await cardOnFile(orgId);
    expect(await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId: newIntent() })).toEqual({ status: "activated" });
    const before = await calls("billing.update");
    const intentId = newIntent();
    expect(await Promise.all([0, 1].map(() => as(orgId).action(api.billing.purchase.cancelSubscription, { planId: "team", intentId })))).toEqual([null, null]);
    expect(await calls("billing.update") - before).toBe(1);
    const billing = (await as(orgId).query(api.billing.api.getOrgBilling, {})).billing;
    expect(billing.plan).toMatchObject({ planId: "team", status: "canceling" });
  });
});

describe("lost attach answers (sandbox drop_response on billing.attach)", () => {
  it("card on file, add-on: the owner sees the purchase, and a retry of the intent does not charge twice", async () => {
    const orgId = await newOrg("Lost Pack");
    await cardOnFile(orgId);
    let recovered = 0;
    for (let i = 0; i < 10; i++) {
      await b.autumn.control("/sandbox/faults", { route: "billing.attach", mode: "drop_response", status: 502, count: 1 });
      const intentId = newIntent();
      expect(await as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId })).toEqual({ status: "activated" });
      expect(await as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId })).toEqual({ status: "activated" });
      if ((await intentRow(orgId, intentId))?.state === "done") recovered++;
    }
    expect(recovered).toBe(10);
    expect(await packs(orgId)).toBe(10);
    expect(await invoices(orgId, "credit_pack")).toHaveLength(10);
  });

  it("card on file, plan checkout: activated, one invoice", async () => {
    const orgId = await newOrg("Lost Plan");
    await cardOnFile(orgId);
    await b.autumn.control("/sandbox/faults", { route: "billing.attach", mode: "drop_response", count: 1 });
    const intentId = newIntent();
    expect(await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId })).toEqual({ status: "activated" });
    expect(await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId })).toEqual({ status: "activated" });
    expect(await invoices(orgId, "team")).toHaveLength(1);
    expect((await as(orgId).query(api.billing.api.getOrgBilling, {})).billing.plan?.planId).toBe("team");
  });

  it("no card: the lost payment page is recovered (the same checkout session), paying it charges once", async () => {
    const orgId = await newOrg("Lost Page");
    await b.autumn.control("/sandbox/faults", { route: "billing.attach", mode: "drop_response", count: 1 });
    const intentId = newIntent();
    const res = await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId });
    if (res.status !== "redirect") throw new Error("expected a redirect");
    expect(await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId })).toEqual(res);
    expect((await payCheckout(res.paymentUrl, CARD_OK)).status).toBe(303);
    await b.autumn.control("/sandbox/checkouts/settle");
    expect(await invoices(orgId, "team")).toHaveLength(1);
  });
});

describe("retries and refusals", () => {
  it("423 lock_already_exists on a keyed write is retried with backoff", async () => {
    const orgId = await newOrg("Locked Co");
    await cardOnFile(orgId);
    await b.autumn.control("/sandbox/faults", { route: "billing.attach", mode: "error", status: 423, count: 2 });
    const before = await calls("billing.attach");
    expect(await as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId: newIntent() })).toEqual({ status: "activated" });
    expect(await calls("billing.attach") - before).toBe(3);
    expect(await packs(orgId)).toBe(1);
  });

  it("a failed run is released: the same intent runs again with the same key and buys one pack", async () => {
    const orgId = await newOrg("Retry Co");
    await cardOnFile(orgId);
    await b.autumn.control("/sandbox/faults", { route: "billing.attach", mode: "error", status: 500, count: 4 });
    const intentId = newIntent();
    expect((await errorData(as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId }))).code).toBe("AUTUMN_UNAVAILABLE");
    expect(await intentRow(orgId, intentId)).toMatchObject({ state: "failed", runs: 1 });
    expect(await as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId })).toEqual({ status: "activated" });
    expect(await intentRow(orgId, intentId)).toMatchObject({ state: "done", runs: 2 });
    expect(await packs(orgId)).toBe(1);
  });

  it("intent ids are validated, and one intent cannot buy another plan", async () => {
    const orgId = await newOrg("Valid Co");
    expect(await errorData(as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId: "x" }))).toMatchObject({ code: "INVALID_ARGUMENT", reason: "invalid_intent" });
    const intentId = newIntent();
    const first = await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, intentId });
    expect(first.status).toBe("redirect");
    expect(await errorData(as(orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS, intentId }))).toMatchObject({ code: "INVALID_ARGUMENT", reason: "intent_reused" });
  });
});

describe("Autumn's per-customer billing lock (sandbox: a write held in flight by latency → 423 for the next)", () => {
  it("two different purchases at once: the second meets 423, is retried with backoff, and both packs are bought once each", async () => {
    const orgId = await newOrg("Lock Race");
    await cardOnFile(orgId);
    const before = await calls("billing.attach");
    await b.autumn.control("/sandbox/faults", { route: "billing.attach", mode: "latency", latency_ms: 400, count: 1 });
    const [first, second] = await Promise.all([newIntent(), newIntent()].map((intentId) =>
      as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, intentId })));
    expect([first, second]).toEqual([{ status: "activated" }, { status: "activated" }]);
    expect(await calls("billing.attach") - before).toBeGreaterThanOrEqual(3); // at least one 423 then its retry
    expect(await packs(orgId)).toBe(2);
    expect(await invoices(orgId, "credit_pack")).toHaveLength(2);
  });
});
