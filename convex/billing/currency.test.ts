// Charge what is shown (issue 10 §2): the currency an owner picks is the one
// Autumn charges, and after the first payment the only one; a plan without
// a price in it is not offered; trial eligibility comes from Autumn (cached
// per org); keeping the current plan is an uncancel; a retried checkout
// gets its pending payment page; the Autumn customer is the organization.
// Real autumn-js against the sandbox on 127.0.0.1, no mocks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";
import { decideCurrency, priceInCurrency, withCachedFields } from "./currency";
import { eligibilityOf } from "./eligibility";
import { billingErrorCode } from "./errors";
import type { CustomerRow, PlanRow } from "./schema";
import { errorCode, errorData, SITE, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

const CARD_OK = "4242 4242 4242 4242";
const SUCCESS = "/billing/success";

let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  // A plan priced in USD only: never offered, quoted or charged in BRL.
  const res = await b.autumn.rpc("catalog.update", {
    features: [],
    plans: [{ plan_id: "basic", name: "Basic", group: "main", price: { amount: 19, interval: "month" }, items: [] }],
    skip_deletions: true,
  });
  expect(res.status).toBe(200);
  await b.syncCatalog();
  owner = await b.signUp("cora@example.com", "Cora Owner");
}, 30_000);
afterAll(async () => { await b?.close(); });
afterEach(async () => {
  await b.autumn.control("/sandbox/faults", undefined, "DELETE");
  for (const j of await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect())) {
    if (j.state.kind === "pending") await b.t.run((ctx) => ctx.scheduler.cancel(j._id));
  }
});

const newOrg = (name: string, by: TestUser = owner) => b.createProvisionedOrg(by, name);
const as = (orgId: string, by: TestUser = owner) => b.as(by, orgId);
const billingOf = async (orgId: string, by: TestUser = owner) => (await as(orgId, by).query(api.billing.api.getOrgBilling, {})).billing;
const rowOf = (orgId: string) => b.t.run((ctx) => ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique());
async function cardOnFile(orgId: string): Promise<void> {
  const { url } = await b.autumn.autumn.billing.setupPayment({ customerId: orgId, successUrl: `${SITE}/billing` });
  expect((await payCheckout(url, CARD_OK)).status).toBe(303);
  await b.autumn.control("/sandbox/checkouts/settle");
}
/** The watcher's next re-sync, run now ("time passes"). */
async function tickWatcher(orgId: string, planId: string): Promise<void> {
  const w = await b.t.run((ctx) => ctx.db.query("billingWatchers")
    .withIndex("by_organizationId_planId", (q) => q.eq("organizationId", orgId).eq("planId", planId)).unique());
  await b.t.action(internal.billing.watcher.tick, { organizationId: orgId, planId, attempt: w?.attempt ?? 0 });
}

// ── the rules, pure ────────────────────────────────────────────────────────

const plan = (planId: string, amount: number, extra: Array<{ currency: string; amount: number }>): PlanRow => ({
  planId, version: 1, name: planId, description: null, group: "main", addOn: false, autoEnable: amount === 0, archived: false, sortKey: amount,
  price: amount === 0 ? null : { amount, currency: "usd", interval: "month", intervalCount: 1, additionalCurrencies: extra },
  freeTrial: null, items: [], syncedAt: 0,
});

describe("currency rules", () => {
  const pro = plan("pro", 29, [{ currency: "brl", amount: 87 }]);
  const basic = plan("basic", 19, []);
  const free = plan("free", 0, []);

  it("the locked currency wins; asking for another, or a plan without a price in it, is CURRENCY_MISMATCH", () => {
    expect(decideCurrency(pro, "BRL", null, true)).toEqual({ currency: "brl", sendToAutumn: true });
    expect(decideCurrency(pro, undefined, "brl", true)).toEqual({ currency: "brl", sendToAutumn: true });
    expect(decideCurrency(pro, undefined, null, true)).toEqual({ currency: null, sendToAutumn: false });
    // Autumn refuses a currency param while multi-currency is off: never sent then.
    expect(decideCurrency(basic, "usd", null, false)).toEqual({ currency: "usd", sendToAutumn: false });
    expect(decideCurrency(free, "brl", null, true)).toEqual({ currency: "brl", sendToAutumn: true });
    for (const [p, asked, locked] of [[pro, "usd", "brl"], [basic, "brl", null], [basic, undefined, "brl"]] as const) {
      try { decideCurrency(p, asked, locked, true); expect.unreachable(); } catch (err) { expect(billingErrorCode(err)).toBe("CURRENCY_MISMATCH"); }
    }
    try { decideCurrency(pro, "reais", null, true); expect.unreachable(); } catch (err) { expect(billingErrorCode(err)).toBe("INVALID_ARGUMENT"); }
    expect([priceInCurrency(pro, "brl"), priceInCurrency(pro, "usd"), priceInCurrency(basic, "brl"), priceInCurrency(free, "eur")]).toEqual([87, 29, null, 0]);
  });

  it("the cache keeps the locked currency and eligibility across snapshots that lack them, and learns it from invoices", () => {
    const base: CustomerRow = {
      organizationId: "o", customerId: "o", name: null, email: null, subscriptions: [], purchases: [], balances: [], flags: [], invoices: [],
      syncedAt: 1, lastSyncError: null,
    };
    const invoice = { stripeId: "in_1", planIds: ["pro"], status: "paid", total: 87, currency: "BRL", createdAt: 1, hostedInvoiceUrl: null };
    expect(withCachedFields({ ...base, invoices: [invoice] }, null).currency).toBe("brl");
    const e = [{ planId: "pro", attachAction: "upgrade" as const, trialAvailable: false, status: null, canceling: false, trialing: false }];
    expect(withCachedFields(base, { ...base, currency: "brl", eligibility: e })).toMatchObject({ currency: "brl", eligibility: e });
    // A pending checkout's currency becomes the lock once a paid plan is active (trials raise no invoice).
    const paid = { ...base, subscriptions: [{ subscriptionId: "s", planId: "pro", planName: "Pro", status: "active" as const, addOn: false, autoEnable: false, pastDue: false, canceledAt: null, expiresAt: null, trialEndsAt: 9, startedAt: 1, currentPeriodStart: 1, currentPeriodEnd: 9 }] };
    expect(withCachedFields(base, { ...base, pendingCurrency: "brl" })).toMatchObject({ currency: null, pendingCurrency: "brl" });
    expect(withCachedFields(paid, { ...base, pendingCurrency: "brl" })).toMatchObject({ currency: "brl", pendingCurrency: null });
  });

  it("eligibility: Autumn omits trial_available for plans without a trial", () => {
    expect(eligibilityOf({ id: "free", customerEligibility: { attachAction: "downgrade" } })).toEqual({
      planId: "free", attachAction: "downgrade", trialAvailable: null, status: null, canceling: false, trialing: false,
    });
    expect(eligibilityOf({ id: "pro", customerEligibility: { attachAction: "none", status: "active", trialing: true, trialAvailable: false } }))
      .toMatchObject({ attachAction: "none", status: "active", trialing: true, trialAvailable: false });
    expect(eligibilityOf({ id: "pro" })).toBeNull();
  });
});

// ── BRL chosen → BRL everywhere after ──────────────────────────────────────

describe("BRL chosen, BRL charged", () => {
  it("no card: quoted in BRL, the payment page asks R$, the invoice is BRL, the lock is cached; later quotes are BRL and USD is refused", async () => {
    const orgId = await newOrg("Real Co");
    expect((await billingOf(orgId)).currency).toBeNull();

    const quote = await as(orgId).action(api.billing.purchase.previewCheckout, { planId: "team", currency: "brl" });
    expect(quote).toMatchObject({ currency: "brl", total: 297, lines: [{ amount: 297 }], nextCycle: { total: 297 }, requiresRedirect: true });

    const res = await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, currency: "brl" });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    const page = await (await fetch(res.paymentUrl)).text();
    expect(page).toMatch(/R\$\s?297,00/);
    expect(page).not.toContain("$297");
    // Not paid yet: nothing is locked.
    expect((await billingOf(orgId)).currency).toBeNull();

    expect((await payCheckout(res.paymentUrl, CARD_OK)).status).toBe(303);
    await b.autumn.control("/sandbox/checkouts/settle");
    await tickWatcher(orgId, "team");
    const paid = await billingOf(orgId);
    expect(paid.plan).toMatchObject({ planId: "team", status: "active" });
    expect(paid.currency).toBe("brl");
    expect(paid.invoices).toEqual([expect.objectContaining({ planIds: ["team"], total: 297, currency: "brl" })]);

    // From now on every quote is in BRL without asking…
    expect(await as(orgId).action(api.billing.purchase.previewCheckout, { planId: "pro" })).toMatchObject({ currency: "brl", nextCycle: { total: 87 } });
    expect(await as(orgId).action(api.billing.purchase.previewCheckout, { planId: "credit_pack" })).toMatchObject({ currency: "brl", total: 30 });
    // …and USD is refused with the typed code, before Autumn is asked.
    await b.autumn.control("/sandbox/stats/reset");
    expect(await errorCode(as(orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS, currency: "usd" }))).toBe("CURRENCY_MISMATCH");
    expect(await errorCode(as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS, currency: "usd" }))).toBe("CURRENCY_MISMATCH");
    expect(await b.autumnCalls()).toEqual({});

    // Should the cache not know the lock, Autumn's own currency_mismatch (400) arrives as the same typed code.
    await b.t.run(async (ctx) => { const row = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique(); if (row) await ctx.db.patch(row._id, { currency: null }); });
    const refused = await errorData(as(orgId).action(api.billing.purchase.previewCheckout, { planId: "credit_pack", currency: "usd" }));
    expect(refused).toMatchObject({ code: "CURRENCY_MISMATCH", status: 400, autumnCode: "currency_mismatch" });
    // The next sync learns it again from the invoices.
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    expect((await billingOf(orgId)).currency).toBe("brl");
  });

  it("card on file: the attach response's invoice locks the currency in the cache at once", async () => {
    const orgId = await newOrg("Cartão Co");
    await cardOnFile(orgId);
    expect(await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, currency: "brl" })).toEqual({ status: "activated" });
    const view = await billingOf(orgId);
    expect(view.currency).toBe("brl");
    expect(view.invoices.filter((i) => i.total > 0)).toEqual([expect.objectContaining({ total: 297, currency: "brl" })]);
    // A credit pack afterwards is charged in BRL too (R$ 30, not $10).
    expect(await as(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS })).toEqual({ status: "activated" });
    expect((await billingOf(orgId)).invoices.find((i) => i.planIds.includes("credit_pack"))).toMatchObject({ total: 30, currency: "brl" });
  });

  it("a BRL trial (nothing invoiced) locks BRL once the plan is active", async () => {
    const trialOwner = await b.signUp("tiago@example.com", "Tiago Trial");
    const orgId = await newOrg("Teste Co", trialOwner);
    await cardOnFile(orgId);
    expect(await as(orgId, trialOwner).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS, currency: "brl" })).toEqual({ status: "activated" });
    const view = await billingOf(orgId, trialOwner);
    expect(view.plan).toMatchObject({ planId: "pro", status: "trialing" });
    expect(view.currency).toBe("brl");
    expect(await errorCode(as(orgId, trialOwner).action(api.billing.purchase.previewCheckout, { planId: "team", currency: "usd" }))).toBe("CURRENCY_MISMATCH");
  });
});

describe("a plan without a price in the currency is not offered", () => {
  it("Basic (USD only) cannot be quoted or bought in BRL, nor by an org billed in BRL; Autumn is not asked", async () => {
    const orgId = await newOrg("Sem Basic Co");
    const plans = await as(orgId).query(api.billing.api.listPlans, {});
    expect(plans.find((p) => p.planId === "basic")?.price).toMatchObject({ amount: 19, currency: "usd", additionalCurrencies: [] });
    await b.autumn.control("/sandbox/stats/reset");
    expect(await errorCode(as(orgId).action(api.billing.purchase.previewCheckout, { planId: "basic", currency: "brl" }))).toBe("CURRENCY_MISMATCH");
    expect(await errorCode(as(orgId).action(api.billing.purchase.checkout, { planId: "basic", successUrl: SUCCESS, currency: "brl" }))).toBe("CURRENCY_MISMATCH");
    expect(await b.autumnCalls()).toEqual({});
    // In USD it is offered.
    expect(await as(orgId).action(api.billing.purchase.previewCheckout, { planId: "basic", currency: "usd" })).toMatchObject({ currency: "usd", total: 19 });
  });
});

// ── trial eligibility ──────────────────────────────────────────────────────

describe("trial eligibility is cached per org from Autumn", () => {
  it("a fresh org may trial Pro; once its owner used the trial in another org, the cache says no and the preview shows the charge", async () => {
    const farmer = await b.signUp("fabio@example.com", "Fabio Farmer");
    const first = await newOrg("Fazenda Um", farmer);
    const second = await newOrg("Fazenda Dois", farmer);
    const proOf = async (orgId: string) => (await billingOf(orgId, farmer)).eligibility.find((e) => e.planId === "pro");
    expect(await proOf(second)).toMatchObject({ trialAvailable: true, attachAction: "upgrade" });
    expect((await billingOf(second, farmer)).eligibility.find((e) => e.planId === "free")).toMatchObject({ attachAction: "none", status: "active", trialAvailable: null });

    await cardOnFile(first);
    expect(await as(first, farmer).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS })).toEqual({ status: "activated" });
    // The org that used it: eligibility refreshed by the checkout's read-back.
    expect(await proOf(first)).toMatchObject({ attachAction: "none", status: "active", trialing: true, trialAvailable: false });

    // The other org learns it on its next sync (webhook, watcher, reconcile or admin re-sync).
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: second });
    expect(await proOf(second)).toMatchObject({ trialAvailable: false });
    const quote = await as(second, farmer).action(api.billing.purchase.previewCheckout, { planId: "pro" });
    expect(quote.action).not.toBe("trial");
    expect(quote).toMatchObject({ total: 29, lines: [{ amount: 29 }] });
  });
});

// ── retried checkout ───────────────────────────────────────────────────────

describe("a retried checkout while its payment page is open", () => {
  it("gets the same payment URL (Autumn's answer), and the pending one if Autumn refuses the retry", async () => {
    const orgId = await newOrg("Retry Co");
    const first = await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, currency: "brl" });
    if (first.status !== "redirect") throw new Error("expected a redirect");
    const again = await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, currency: "brl" });
    expect(again).toEqual(first);
    // A refusal (423 lock, or a 409 that is not "already attached") still leads to the open page.
    await b.autumn.control("/sandbox/faults", { route: "billing.attach", mode: "error", status: 423, count: 10 });
    expect(await as(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS, currency: "brl" })).toEqual(first);
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    // And the page still works.
    expect((await payCheckout(first.paymentUrl, CARD_OK)).status).toBe(303);
  });
});

// ── the customer is the organization ───────────────────────────────────────

describe("the Autumn customer carries the organization's name", () => {
  it("named after the org with the owner's email; one named after its owner is renamed by the next provisioning sync", async () => {
    const orgId = await newOrg("Acme Laboratórios");
    expect(await b.autumn.autumn.customers.get({ customerId: orgId })).toMatchObject({ name: "Acme Laboratórios", email: "cora@example.com" });
    expect(await rowOf(orgId)).toMatchObject({ name: "Acme Laboratórios", email: "cora@example.com" });

    await b.autumn.autumn.customers.update({ customerId: orgId, name: "Cora Owner" });
    expect(await as(orgId).action(api.billing.api.ensureBilling, {})).toEqual({ ok: true, error: null });
    expect((await b.autumn.autumn.customers.get({ customerId: orgId })).name).toBe("Acme Laboratórios");
    expect((await rowOf(orgId))?.name).toBe("Acme Laboratórios");
  });
});
