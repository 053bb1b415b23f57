// Sandbox fidelity (issue 10 §1 items 1–6 and 9–13, the sandbox side of
// currency §2, and retried attaches while a checkout is pending): one test
// per behaviour, each a specification of what real Autumn does (references:
// /work/shared/reference/autumn-controls.md, autumn-api.md; Autumn's source
// where they are silent). Driven through the unmodified autumn-js 1.3.13
// client with fail-open off; raw RPC only where the SDK cannot express the
// request (other x-api-versions, customer_data on check, the billing.
// test-clock alias, missing headers). One sandbox, per-customer clocks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autumn } from "autumn-js";
import { addCard, autumnError, payCheckout, startTestSandbox, TEST_KEY, type TestSandbox } from "./testing.js";
import { DEFAULT_SANDBOX_KEY, sandboxKeys } from "./server.js";

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

const DAY = 86_400_000;
const CARD = "4242424242424242";
let seq = 0;
const uid = (p: string): string => `${p}_${(seq += 1)}`;

async function customer(prefix: string, extra: { currency?: string } = {}): Promise<string> {
  const id = uid(prefix);
  await t.autumn.customers.getOrCreate({ customerId: id, ...extra });
  return id;
}

const nowOf = (id: string): number => t.sandbox.ctx.now(t.sandbox.store.state.customers[id] ?? null);
const get = (customerId: string) => t.autumn.customers.get({ customerId, expand: ["invoices"] });
const near = (a: number | null | undefined, b: number, tol = 5_000): boolean => a !== null && a !== undefined && Math.abs(a - b) <= tol;

describe("catalog", () => {
  it("1. features.create with an existing id → 409 duplicate_feature_id", async () => {
    expect(await autumnError(t.autumn.features.create({ featureId: "seats", name: "Seats again", type: "metered", consumable: false })))
      .toMatchObject({ status: 409, code: "duplicate_feature_id" });
  });

  it("2. plans.create with an existing id → 400 (not 409) product_already_exists", async () => {
    expect(await autumnError(t.autumn.plans.create({ planId: "pro", name: "Pro again" })))
      .toMatchObject({ status: 400, code: "product_already_exists" });
  });

  it("3. a second auto_enable plan in a group → 400 invalid_request (the first stays the default), on plans.create and catalog.update alike", async () => {
    expect(await autumnError(t.autumn.plans.create({ planId: uid("second_free"), name: "Second free", group: "main", autoEnable: true })))
      .toMatchObject({ status: 400, code: "invalid_request" });
    expect((await t.autumn.customers.getOrCreate({ customerId: uid("after_second") })).subscriptions.map((s) => s.planId)).toEqual(["free"]);
    // A paid plan can be auto-enabled only as a card-less trial (validateDefaultFlag).
    expect(await autumnError(t.autumn.plans.create({ planId: uid("paid_default"), name: "Paid default", group: "paid_grp", autoEnable: true, price: { amount: 5, interval: "month" } })))
      .toMatchObject({ status: 400, code: "invalid_request" });

    const plan = (planId: string, autoEnable: boolean) => ({ plan_id: planId, name: planId, group: "fid_alt", add_on: false, auto_enable: autoEnable, price: null, items: [], free_trial: null });
    const push = (plans: unknown[]) => t.rpc("catalog.update", { features: [], plans, skip_deletions: true });
    expect((await push([plan("alt_a", true)])).status).toBe(200);
    expect(await push([plan("alt_b", true)])).toMatchObject({ status: 400, body: { code: "invalid_request" } });
    expect((await t.autumn.plans.list({})).list.some((p) => p.id === "alt_b")).toBe(false);
    // Moving the default within one catalog.update is fine: the catalog as it will be has one.
    expect((await push([plan("alt_a", false), plan("alt_b", true)])).status).toBe(200);
    expect((await push([plan("alt_b", false)])).status).toBe(200); // leave new customers as they were
  });

  it("4. plans.delete: a plan without customers → {success: true} and plans.get 404 after; with customers (even expired) → 400 invalid_request", async () => {
    const doomed = uid("doomed");
    await t.autumn.plans.create({ planId: doomed, name: "Doomed", addOn: true });
    expect(await t.autumn.plans.delete({ planId: doomed })).toEqual({ success: true });
    expect(await autumnError(t.autumn.plans.get({ planId: doomed }))).toMatchObject({ status: 404, code: "product_not_found" });
    expect(await autumnError(t.autumn.plans.delete({ planId: doomed }))).toMatchObject({ status: 404, code: "product_not_found" });

    const kept = uid("kept");
    await t.autumn.plans.create({ planId: kept, name: "Kept", addOn: true, items: [{ featureId: "standard_messages", included: 5, reset: { interval: "month" } }] });
    const id = await customer("del");
    await t.autumn.billing.attach({ customerId: id, planId: kept });
    expect(await autumnError(t.autumn.plans.delete({ planId: kept }))).toMatchObject({ status: 400, code: "invalid_request" });
    expect((await t.autumn.plans.get({ planId: kept })).id).toBe(kept);
  });
});

describe("API versions", () => {
  it("5. below 2.1, check/track create an unknown customer from customer_data; from 2.1 they answer 404 customer_not_found", async () => {
    const a = uid("legacy_check");
    const r = await t.rpc("balances.check", { customer_id: a, feature_id: "standard_messages", customer_data: { name: "Ada", email: "ada@example.com" } }, { "x-api-version": "2.0.0" });
    expect(r.status).toBe(200);
    expect(await t.autumn.customers.get({ customerId: a })).toMatchObject({ name: "Ada", email: "ada@example.com" });
    const b = uid("legacy_track");
    expect((await t.rpc("balances.track", { customer_id: b, feature_id: "standard_messages", value: 2, customer_data: { name: "Grace", email: "grace@example.com" } }, { "x-api-version": "1.2" })).status).toBe(200);
    expect(await t.autumn.customers.get({ customerId: b })).toMatchObject({ name: "Grace", email: "grace@example.com", balances: { standard_messages: { usage: 2 } } });

    const ghost = uid("ghost");
    for (const v of ["2.1.0", "2.4.0"]) {
      expect(await t.rpc("balances.check", { customer_id: ghost, feature_id: "standard_messages", customer_data: { name: "Nobody" } }, { "x-api-version": v }))
        .toMatchObject({ status: 404, body: { code: "customer_not_found" } });
    }
    expect(await autumnError(t.autumn.track({ customerId: ghost, featureId: "standard_messages" }))).toMatchObject({ status: 404, code: "customer_not_found" });
  });

  it("6. the response shape follows x-api-version: 2.0 balances, 1.2 flat check and event_received track; 2.3.0 and 2.4.0 alike", async () => {
    const id = await customer("shapes");
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 });
    const check = (v: string, featureId = "standard_messages") => t.rpc("balances.check", { customer_id: id, feature_id: featureId }, { "x-api-version": v });

    const v20 = (await check("2.0.0")).body;
    expect(v20.balance).toMatchObject({ feature_id: "standard_messages", granted_balance: 50, current_balance: 45, purchased_balance: 0, usage: 5, plan_id: "free", reset: { interval: "month" } });
    expect(v20.balance).not.toHaveProperty("granted");
    expect(v20.balance).not.toHaveProperty("remaining");
    expect(v20).not.toHaveProperty("flag");
    const c20 = (await t.rpc("customers.get", { customer_id: id }, { "x-api-version": "2.0.0" })).body as { balances: Record<string, Record<string, unknown>> };
    expect(c20.balances.standard_messages).toMatchObject({ granted_balance: 50, current_balance: 45, usage: 5 });

    const v12 = (await check("1.2")).body;
    expect(v12).toMatchObject({ allowed: true, code: "feature_found", customer_id: id, feature_id: "standard_messages", balance: 45, usage: 5, included_usage: 50, interval: "month", unlimited: false, overage_allowed: false });
    expect(typeof v12.next_reset_at).toBe("number");
    const tracked = (await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 1 }, { "x-api-version": "1.2" })).body;
    expect(tracked).toMatchObject({ code: "event_received", customer_id: id, feature_id: "standard_messages" });
    const t20 = (await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 1 }, { "x-api-version": "2.0.0" })).body;
    expect(t20.balance).toMatchObject({ current_balance: 43, usage: 7 });

    const [v23, v24] = [(await check("2.3.0")).body, (await check("2.4.0")).body];
    expect(v23).toEqual(v24);
    expect(v24.balance).toMatchObject({ granted: 50, remaining: 43, usage: 7 });
  });
});

describe("attach and cancel", () => {
  it("9. attaching the active plan → 409 plan_already_attached, also while a downgrade is scheduled (the schedule stays), preview too; add-ons and one-offs stack", async () => {
    const id = await customer("already");
    await addCard(t, id);
    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    expect(await autumnError(t.autumn.billing.attach({ customerId: id, planId: "team" }))).toMatchObject({ status: 409, code: "plan_already_attached" });
    await t.autumn.billing.attach({ customerId: id, planId: "pro" }); // a downgrade: scheduled
    for (const p of [t.autumn.billing.attach({ customerId: id, planId: "team" }), t.autumn.billing.previewAttach({ customerId: id, planId: "team" })]) {
      expect(await autumnError(p)).toMatchObject({ status: 409, code: "plan_already_attached" });
    }
    const c = await get(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status])).toEqual([["team", "active"], ["pro", "scheduled"]]);
    expect(c.subscriptions[0]?.canceledAt).not.toBeNull();

    await t.autumn.billing.attach({ customerId: id, planId: "credit_pack" });
    await t.autumn.billing.attach({ customerId: id, planId: "credit_pack" });
    const stacked = await get(id);
    expect(stacked.purchases.filter((p) => p.planId === "credit_pack")).toHaveLength(2);
    expect(stacked.balances.ai_credits).toMatchObject({ granted: 1000 });
  });

  it("10. cancel_end_of_cycle: the plan stays active (canceled_at now, expires_at period end) and the default shows as scheduled from then; uncancel removes both; uncancel at the scheduled plan → 400; of a plan not canceling → 200, no change", async () => {
    const id = await customer("eoc");
    await addCard(t, id);
    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    const end = (await get(id)).subscriptions[0]?.currentPeriodEnd ?? 0;
    const at = nowOf(id);
    await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "cancel_end_of_cycle" });
    let c = await get(id);
    const team = c.subscriptions.find((s) => s.planId === "team");
    expect(team?.status).toBe("active");
    expect(near(team?.canceledAt, at)).toBe(true);
    expect(team?.expiresAt).toBe(end);
    expect(c.subscriptions.find((s) => s.planId === "free")).toMatchObject({ status: "scheduled", startedAt: end });

    expect(await autumnError(t.autumn.billing.update({ customerId: id, planId: "free", cancelAction: "uncancel" })))
      .toMatchObject({ status: 400, code: "invalid_request" });
    expect((await get(id)).subscriptions.map((s) => [s.planId, s.status])).toEqual([["team", "active"], ["free", "scheduled"]]);

    await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "uncancel" });
    c = await get(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status, s.canceledAt, s.expiresAt])).toEqual([["team", "active", null, null]]);
    const before = JSON.stringify(c.subscriptions);
    expect(await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "uncancel" })).toMatchObject({ paymentUrl: null });
    expect(JSON.stringify((await get(id)).subscriptions)).toBe(before);

    // And when the canceled period ends, the scheduled default takes over.
    await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "cancel_end_of_cycle" });
    await t.control("/sandbox/clock/advance", { to: end + 1000, customer_id: id });
    expect((await get(id)).subscriptions.map((s) => [s.planId, s.status])).toEqual([["free", "active"]]);
  });

  it("11. an N-day trial is the first period: trial_ends_at, current_period_end and every next_reset_at ≈ attach + N days", async () => {
    const id = await customer("trial");
    await addCard(t, id);
    const at = nowOf(id);
    await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    const c = await get(id);
    const pro = c.subscriptions.find((s) => s.planId === "pro");
    expect(near(pro?.trialEndsAt, at + 7 * DAY)).toBe(true);
    expect(pro?.currentPeriodEnd).toBe(pro?.trialEndsAt);
    for (const f of ["standard_messages", "premium_messages"]) expect(c.balances[f]?.nextResetAt).toBe(pro?.trialEndsAt);
    // After the trial, resets follow monthly from the trial end.
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 10 });
    await t.control("/sandbox/clock/advance", { to: (pro?.trialEndsAt ?? 0) + 1000, customer_id: id });
    const after = await get(id);
    expect(after.balances.premium_messages).toMatchObject({ usage: 0, remaining: 100 });
    expect((after.balances.premium_messages?.nextResetAt ?? 0) - (pro?.trialEndsAt ?? 0)).toBeGreaterThanOrEqual(28 * DAY);
  });

  it("retrying an attach while its checkout is pending returns the same payment_url; other params get a new one and the old page is gone", async () => {
    const id = await customer("retry");
    const first = await t.autumn.billing.attach({ customerId: id, planId: "team" });
    expect(first.paymentUrl).toMatch(/\/checkout\//);
    expect((await t.autumn.billing.attach({ customerId: id, planId: "team" })).paymentUrl).toBe(first.paymentUrl);
    const other = await t.autumn.billing.attach({ customerId: id, planId: "team", successUrl: "https://app.example/ok" });
    expect(other.paymentUrl).not.toBe(first.paymentUrl);
    expect((await fetch(first.paymentUrl ?? "")).status).toBe(404);
    expect((await fetch(other.paymentUrl ?? "")).status).toBe(200);
  });
});

describe("keys and test clocks", () => {
  it("12. no Authorization → 401 no_secret_key; not am_sk_ → 401 invalid_request; a well-formed unknown key → 401 invalid_secret_key; known keys from AUTUMN_SANDBOX_KEYS or the keys option", async () => {
    const raw = await fetch(`${t.url}/v1/features.list`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ code: "no_secret_key" });
    for (const [key, code] of [["sk_test_abc", "invalid_request"], ["am_sk_test_unknown", "invalid_secret_key"], ["am_sk_live_abc", "invalid_secret_key"]] as const) {
      const sdk = new Autumn({ secretKey: key, serverURL: t.url, failOpen: false });
      expect(await autumnError(sdk.features.list())).toMatchObject({ status: 401, code });
    }
    for (const key of [TEST_KEY, DEFAULT_SANDBOX_KEY]) {
      expect((await new Autumn({ secretKey: key, serverURL: t.url, failOpen: false }).features.list()).list.length).toBeGreaterThan(0);
    }
    expect(sandboxKeys(undefined, undefined)).toEqual(["am_sk_test_local"]);
    expect(sandboxKeys(undefined, " am_sk_test_a, am_sk_test_b ,")).toEqual(["am_sk_test_a", "am_sk_test_b"]);
    expect(sandboxKeys(["am_sk_test_opt"], "am_sk_test_a")).toEqual(["am_sk_test_opt"]);
  });

  it("13. billing.advance_test_clock does what customers.advance_test_clock does; a time in the past → 400 invalid_request", async () => {
    const id = await customer("clock");
    const start = nowOf(id);
    const viaSdk = await t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: start + DAY + 1234 });
    expect(viaSdk).toEqual({ customerId: id, frozenTime: Math.floor((start + DAY + 1234) / 1000) * 1000, status: "ready" });
    const via = await t.rpc("billing.advance_test_clock", { customer_id: id, frozen_time: start + 2 * DAY });
    expect(via).toMatchObject({ status: 200, body: { customer_id: id, frozen_time: Math.floor((start + 2 * DAY) / 1000) * 1000, status: "ready" } });
    expect(await t.rpc("billing.advance_test_clock", { customer_id: id, frozen_time: start })).toMatchObject({ status: 400, body: { code: "invalid_request" } });
    expect(await autumnError(t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: start }))).toMatchObject({ status: 400, code: "invalid_request" });
  });
});

describe("currency", () => {
  const BRL = (n: number): string => new Intl.NumberFormat("pt-BR", { style: "currency", currency: "BRL" }).format(n);

  it("multi-currency is on when the catalog has additional_currencies; switched off, a currency argument is 400 invalid_request and nothing changes", async () => {
    expect(await t.control("/sandbox/config", {})).toMatchObject({ multi_currency: true });
    try {
      expect(await t.control("/sandbox/config", { multi_currency: false })).toMatchObject({ multi_currency: false });
      const fresh = uid("mc_off");
      expect(await autumnError(t.autumn.customers.getOrCreate({ customerId: fresh, currency: "brl" }))).toMatchObject({ status: 400, code: "invalid_request" });
      expect(await autumnError(t.autumn.customers.get({ customerId: fresh }))).toMatchObject({ status: 404 });
      const id = await customer("mc_off_attach");
      await addCard(t, id);
      expect(await autumnError(t.autumn.billing.attach({ customerId: id, planId: "team", currency: "usd" }))).toMatchObject({ status: 400, code: "invalid_request" });
      expect((await get(id)).subscriptions.map((s) => s.planId)).toEqual(["free"]);
      // A catalog with additional_currencies is refused while it is off (invalid_product_item).
      expect(await t.rpc("catalog.update", { features: [], plans: [{ plan_id: uid("brl_plan"), name: "BRL", group: "x", price: { amount: 1, interval: "month", additional_currencies: [{ currency: "brl", amount: 5 }] }, items: [] }] }))
        .toMatchObject({ status: 400, body: { code: "invalid_product_item" } });
    } finally {
      await t.control("/sandbox/config", { multi_currency: null });
    }
  });

  it("the currency resolves param → customer → usd, lowercased; previews never lock; the first paid attach locks; then another currency → 400 currency_mismatch", async () => {
    const id = await customer("lock");
    await addCard(t, id);
    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "team", currency: "BRL" });
    expect(preview).toMatchObject({ currency: "brl", total: 297 });
    expect(preview.lineItems[0]).toMatchObject({ total: 297 });
    expect((await t.autumn.billing.previewAttach({ customerId: id, planId: "team", currency: "usd" })).total).toBe(99); // not locked by the preview
    const r = await t.autumn.billing.attach({ customerId: id, planId: "team", currency: "BRL" });
    expect(r.invoice).toMatchObject({ total: 297, currency: "brl" });
    expect(await autumnError(t.autumn.billing.attach({ customerId: id, planId: "pro", currency: "usd" }))).toMatchObject({ status: 400, code: "currency_mismatch" });
    expect(await autumnError(t.autumn.billing.previewAttach({ customerId: id, planId: "pro", currency: "usd" }))).toMatchObject({ status: 400, code: "currency_mismatch" });
    // No param: the locked currency.
    expect(await t.autumn.billing.previewAttach({ customerId: id, planId: "credit_pack" })).toMatchObject({ currency: "brl", total: 30 });
    const c = await get(id);
    expect(c).not.toHaveProperty("currency"); // customer responses never expose it
    expect(c.invoices?.[0]).toMatchObject({ currency: "brl", total: 297 });

    const plain = await customer("usd_default");
    await addCard(t, plain);
    expect((await t.autumn.billing.attach({ customerId: plain, planId: "team" })).invoice).toMatchObject({ currency: "usd", total: 99 });
    expect(await autumnError(t.autumn.billing.attach({ customerId: plain, planId: "credit_pack", currency: "brl" }))).toMatchObject({ status: 400, code: "currency_mismatch" });
  });

  it("free plans neither need nor lock a currency; a customer created with a currency is locked from the start", async () => {
    const freeAddon = uid("free_addon");
    await t.autumn.plans.create({ planId: freeAddon, name: "Free add-on", addOn: true, items: [{ featureId: "seats", included: 1 }] });
    const id = await customer("free_nolock");
    await addCard(t, id);
    await t.autumn.billing.attach({ customerId: id, planId: freeAddon, currency: "brl" });
    expect((await t.autumn.billing.attach({ customerId: id, planId: "team", currency: "usd" })).invoice).toMatchObject({ currency: "usd" });

    const locked = await customer("born_brl", { currency: "BRL" });
    await addCard(t, locked);
    expect(await autumnError(t.autumn.billing.attach({ customerId: locked, planId: "team", currency: "usd" }))).toMatchObject({ status: 400, code: "currency_mismatch" });
    expect((await t.autumn.billing.attach({ customerId: locked, planId: "team" })).invoice).toMatchObject({ currency: "brl", total: 297 });
  });

  it("a plan whose charging price lacks the currency → 400 currency_mismatch, preview too (no FX fallback)", async () => {
    const id = await customer("eur", { currency: "eur" });
    for (const p of [t.autumn.billing.attach({ customerId: id, planId: "team" }), t.autumn.billing.previewAttach({ customerId: id, planId: "team" })]) {
      const err = await autumnError(p);
      expect(err).toMatchObject({ status: 400, code: "currency_mismatch" });
      expect(err.message).toMatch(/EUR/);
    }
  });

  it("the hosted checkout, invoice and portal pages show amounts in the customer's currency (R$ via Intl)", async () => {
    const id = await customer("brl_pages", { currency: "brl" });
    const { paymentUrl } = await t.autumn.billing.attach({ customerId: id, planId: "team" });
    const page = await (await fetch(paymentUrl ?? "")).text();
    expect(page).toContain(BRL(297));
    expect((await payCheckout(paymentUrl ?? "", CARD)).status).toBeLessThan(400);
    await t.control("/sandbox/checkouts/settle");
    const c = await get(id);
    const invoice = c.invoices?.[0];
    expect(invoice).toMatchObject({ currency: "brl", total: 297 });
    expect(await (await fetch(invoice?.hostedInvoiceUrl ?? "")).text()).toContain(BRL(297));
    const portal = await t.autumn.billing.openCustomerPortal({ customerId: id });
    expect(await (await fetch(portal.url)).text()).toContain(BRL(297));
  });
});
