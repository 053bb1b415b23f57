// Billing, read as a specification: attach (checkout vs direct), hosted
// checkout outcomes (success, decline, 3-D Secure), upgrades, scheduled
// downgrades, cancel/uncancel, trials, add-ons, currencies, previews, the
// billing portal, payment setup, plan eligibility and the test clock.
// Everything goes through the unmodified autumn-js client (fail-open off, so
// its validators check every body) plus the hosted HTML pages a browser sees.
import type { Customer } from "autumn-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { autumnError, payCheckout, startTestSandbox, type TestSandbox } from "./testing.js";

const DAY = 86_400_000;
const SUCCESS_CARD = "4242424242424242";
const DECLINE_CARD = "4000000000000002";
const THREE_DS_CARD = "4000002760003184";
const CHARGES_FAIL_CARD = "4000000000000341";
const SUCCESS_URL = "https://app.example.com/billing/success";

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

// ── helpers ────────────────────────────────────────────────────────────────

let seq = 0;
/** A fresh customer on the free plan (unique id per call). */
async function newCustomer(prefix: string, extra: { currency?: string; fingerprint?: string } = {}, sb: TestSandbox = t): Promise<string> {
  seq += 1;
  const customerId = `org_${prefix}_${seq}`;
  await sb.autumn.customers.getOrCreate({ customerId, name: `${prefix} Inc`, email: `${prefix}@example.com`, ...extra });
  return customerId;
}

async function load(customerId: string, sb: TestSandbox = t): Promise<Customer> {
  return sb.autumn.customers.get({ customerId, expand: ["invoices", "subscriptions.plan", "trials_used", "payment_method"] });
}

function activePlans(c: Customer): string[] {
  return c.subscriptions.filter((s) => s.status === "active").map((s) => s.planId).sort();
}

function sub(c: Customer, planId: string): Customer["subscriptions"][number] {
  const s = c.subscriptions.find((x) => x.planId === planId);
  if (!s) throw new Error(`no subscription to ${planId}; have ${c.subscriptions.map((x) => x.planId).join(", ")}`);
  return s;
}

async function page(url: string): Promise<{ status: number; html: string }> {
  const res = await fetch(url);
  return { status: res.status, html: await res.text() };
}

async function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

/** Choose the outcome of the 3-D Secure step on a hosted checkout. */
async function authenticate(paymentUrl: string, result: "complete" | "fail"): Promise<Response> {
  const u = new URL(paymentUrl);
  return postForm(`${u.origin}${u.pathname}/authenticate`, { result });
}

/** Save a card through the real setup-payment page. */
async function saveCard(customerId: string, sb: TestSandbox = t): Promise<void> {
  const { url } = await sb.autumn.billing.setupPayment({ customerId, successUrl: SUCCESS_URL });
  const res = await payCheckout(url, SUCCESS_CARD);
  expect(res.status).toBe(303);
}

/** A customer with a card on file who is on pro (paid, no trial). */
async function onPaidPro(prefix: string): Promise<string> {
  const id = await newCustomer(prefix);
  await saveCard(id);
  const r = await t.autumn.billing.attach({ customerId: id, planId: "pro", customize: { freeTrial: null } });
  expect(r.paymentUrl).toBeNull();
  return id;
}

// ── attach through the hosted checkout ────────────────────────────────────

describe("paid attach without a card goes through hosted checkout", () => {
  it("returns a payment URL; the plan activates only once the card is charged, with an invoice", async () => {
    const id = await newCustomer("checkout");
    const r = await t.autumn.billing.attach({ customerId: id, planId: "pro", customize: { freeTrial: null }, successUrl: SUCCESS_URL });
    expect(r.paymentUrl).toMatch(new RegExp(`^${t.url}/checkout/`));

    const checkout = await page(r.paymentUrl as string);
    expect(checkout.status).toBe(200);
    expect(checkout.html).toContain("<!doctype html>");
    expect(checkout.html).toContain('data-testid="plan-name">Pro</h1>');
    expect(checkout.html).toMatch(/data-testid="total">\$29\.00</);
    expect(checkout.html).toContain("Pay $29.00");
    expect(checkout.html).not.toContain('data-testid="error"');

    // Nothing happens until the customer pays.
    expect(activePlans(await load(id))).toEqual(["free"]);

    const paid = await payCheckout(r.paymentUrl as string, SUCCESS_CARD);
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(SUCCESS_URL);

    const c = await load(id);
    expect(activePlans(c)).toEqual(["pro"]);
    expect(c.balances.standard_messages?.remaining).toBe(1000);
    expect(c.invoices).toHaveLength(1);
    expect(c.invoices?.[0]).toMatchObject({ planIds: ["pro"], status: "paid", total: 29, currency: "usd" });
    expect(c.paymentMethod).not.toBeNull();
  });

  it("with a settlement delay, the plan is inactive right after paying and active once the payment settles", async () => {
    // A minute's delay, so the sandbox's own ticker never settles it during the test: the test drives settlement
    // with tick(realNow), the moment the ticker would run at.
    const delayMs = 60_000;
    const slow = await startTestSandbox({ settlementDelayMs: delayMs });
    try {
      const id = await newCustomer("delayed", {}, slow);
      const r = await slow.autumn.billing.attach({ customerId: id, planId: "pro", customize: { freeTrial: null }, successUrl: SUCCESS_URL });
      const payStart = Date.now();
      const paid = await payCheckout(r.paymentUrl as string, SUCCESS_CARD);
      const payEnd = Date.now();
      expect(paid.status).toBe(303);

      const right = await load(id, slow);
      expect(activePlans(right)).toEqual(["free"]);
      expect(right.invoices).toEqual([]);
      // The hosted page now says the payment is being processed.
      expect((await page(r.paymentUrl as string)).html).toContain("Payment received");

      // Just before the delay has passed since paying, it has not settled.
      slow.sandbox.tick(payStart + delayMs - 1);
      expect(activePlans(await load(id, slow))).toEqual(["free"]);
      // Once it has, it has.
      slow.sandbox.tick(payEnd + delayMs);
      const later = await load(id, slow);
      expect(activePlans(later)).toEqual(["pro"]);
      expect(later.invoices?.map((i) => i.total)).toEqual([29]);
    } finally {
      await slow.close();
    }
  });

  it("a declined card shows the error (402), charges nothing and saves no card; retrying with a good card works", async () => {
    const id = await newCustomer("decline");
    const r = await t.autumn.billing.attach({ customerId: id, planId: "team", successUrl: SUCCESS_URL });
    const declined = await payCheckout(r.paymentUrl as string, DECLINE_CARD);
    expect(declined.status).toBe(402);
    expect(await declined.text()).toMatch(/data-testid="error">[^<]*declined/i);

    const c = await load(id);
    expect(activePlans(c)).toEqual(["free"]);
    expect(c.invoices).toEqual([]);
    expect(c.paymentMethod).toBeNull();

    const retry = await payCheckout(r.paymentUrl as string, SUCCESS_CARD);
    expect(retry.status).toBe(303);
    const after = await load(id);
    expect(activePlans(after)).toEqual(["team"]);
    expect(after.invoices?.map((i) => i.total)).toEqual([99]);
  });

  it("a card that requires authentication shows the 3-D Secure step; failing it charges nothing, completing it activates", async () => {
    const id = await newCustomer("threeds");
    const r = await t.autumn.billing.attach({ customerId: id, planId: "team", successUrl: SUCCESS_URL });
    const url = r.paymentUrl as string;

    const challenge = await payCheckout(url, THREE_DS_CARD);
    expect(challenge.status).toBe(200);
    const html = await challenge.text();
    expect(html).toContain("Authenticate this payment");
    expect(html).toContain("/authenticate");
    expect(activePlans(await load(id))).toEqual(["free"]);

    const failed = await authenticate(url, "fail");
    expect(failed.status).toBe(402);
    expect(await failed.text()).toMatch(/data-testid="error">[^<]*not charged/i);
    const notCharged = await load(id);
    expect(activePlans(notCharged)).toEqual(["free"]);
    expect(notCharged.invoices).toEqual([]);
    expect(notCharged.paymentMethod).toBeNull();

    // The customer tries again and passes the bank's check.
    expect((await payCheckout(url, THREE_DS_CARD)).status).toBe(200);
    const ok = await authenticate(url, "complete");
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(SUCCESS_URL);
    const c = await load(id);
    expect(activePlans(c)).toEqual(["team"]);
    expect(c.invoices?.map((i) => i.total)).toEqual([99]);
  });
});

// ── card on file: direct attach, upgrades, downgrades ─────────────────────

describe("with a card on file", () => {
  it("a paid attach is immediate (no payment URL) and charges an invoice", async () => {
    const id = await newCustomer("direct");
    await saveCard(id);
    const r = await t.autumn.billing.attach({ customerId: id, planId: "pro", customize: { freeTrial: null } });
    expect(r.paymentUrl).toBeNull();
    expect(r.invoice).toMatchObject({ status: "paid", total: 29, currency: "usd" });
    expect(r.invoice?.hostedInvoiceUrl).toMatch(/\/invoices\//);
    const c = await load(id);
    expect(activePlans(c)).toEqual(["pro"]);
    expect(c.invoices?.map((i) => i.total)).toEqual([29]);
    const inv = await page(r.invoice?.hostedInvoiceUrl as string);
    expect(inv.status).toBe(200);
    expect(inv.html).toContain("$29.00");
  });

  it("upgrading pro → team is immediate and credits the unused time on pro", async () => {
    const id = await onPaidPro("upgrade");
    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "team" });
    expect(preview.redirectToCheckout).toBe(false);
    const base = preview.lineItems.find((l) => l.planId === "team");
    const credit = preview.lineItems.find((l) => l.planId === "pro");
    expect(base?.total).toBe(99);
    expect(credit?.total).toBeLessThan(0);
    expect(credit?.total).toBeGreaterThanOrEqual(-29);
    expect(credit?.description).toMatch(/unused/i);
    expect(preview.total).toBeCloseTo(99 + (credit?.total ?? 0), 2);
    expect(preview.outgoing.map((o) => o.planId)).toEqual(["pro"]);
    expect(preview.incoming.map((i) => i.planId)).toEqual(["team"]);
    expect(preview.incoming[0]?.effectiveAt).toBeNull();

    const r = await t.autumn.billing.attach({ customerId: id, planId: "team" });
    expect(r.paymentUrl).toBeNull();
    expect(r.invoice?.total).toBe(preview.total);
    const c = await load(id);
    expect(activePlans(c)).toEqual(["team"]);
    expect(c.subscriptions.map((s) => s.planId)).toEqual(["team"]);
    expect(c.balances.premium_messages?.remaining).toBe(1000);
    expect(c.flags.priority_support).toBeDefined();
  });

  it("downgrading team → pro is scheduled for the period end, then applied when the clock passes it", async () => {
    const id = await newCustomer("downgrade");
    await saveCard(id);
    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    await t.autumn.track({ customerId: id, featureId: "seats", value: 3 });
    const before = await load(id);

    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "pro" });
    expect(preview.total).toBe(0);
    expect(preview.lineItems).toEqual([]);
    expect(preview.incoming[0]?.effectiveAt).toBe(sub(before, "team").currentPeriodEnd);

    const r = await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    expect(r.paymentUrl).toBeNull();
    expect(r.invoice).toBeUndefined();

    const c = await load(id);
    const team = sub(c, "team");
    const pro = sub(c, "pro");
    expect(team.status).toBe("active");
    expect(team.canceledAt).not.toBeNull();
    expect(team.expiresAt).toBe(team.currentPeriodEnd);
    expect(pro.status).toBe("scheduled");
    expect(pro.startedAt).toBe(team.currentPeriodEnd);
    expect(pro.trialEndsAt).toBeNull(); // a downgrade never starts a trial
    // Balances and flags stay the team plan's until the switch.
    expect(c.balances).toEqual(before.balances);
    expect(c.flags.priority_support).toBeDefined();
    expect(c.invoices?.length).toBe(1);

    await t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: (team.currentPeriodEnd as number) + DAY });
    const after = await load(id);
    expect(after.subscriptions.map((s) => [s.planId, s.status])).toEqual([["pro", "active"]]);
    expect(after.balances.premium_messages?.remaining).toBe(100);
    expect(after.balances.seats?.remaining).toBe(5 - 3); // allocated usage carries over
    expect(after.flags.priority_support).toBeUndefined();
    expect(after.invoices?.map((i) => i.total)).toEqual([29, 99]); // newest first
  });

  // Corrected: real Autumn answers 409 plan_already_attached here and keeps the
  // schedule (autumn-controls.md §5, §11.4: the docs' "re-attach to cancel a
  // downgrade" is wrong); uncancel is the way to drop the scheduled change.
  it("attaching the current plan again while a downgrade is scheduled is 409; uncancel drops the scheduled change", async () => {
    const id = await newCustomer("reattach");
    await saveCard(id);
    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    expect(await autumnError(t.autumn.billing.attach({ customerId: id, planId: "team" })))
      .toMatchObject({ status: 409, code: "plan_already_attached" });
    expect((await load(id)).subscriptions.map((s) => [s.planId, s.status])).toEqual([["team", "active"], ["pro", "scheduled"]]);
    await t.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "uncancel" });
    const c = await load(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status])).toEqual([["team", "active"]]);
    expect(sub(c, "team").canceledAt).toBeNull();
    expect(sub(c, "team").expiresAt).toBeNull();
    expect(c.invoices?.length).toBe(1); // no new charge
  });

  it("upgrading while a downgrade is scheduled drops the scheduled downgrade", async () => {
    const id = await onPaidPro("upgrade_over_scheduled");
    await t.autumn.billing.attach({ customerId: id, planId: "free" });
    const scheduled = await load(id);
    expect(sub(scheduled, "free").status).toBe("scheduled");
    expect(sub(scheduled, "pro").canceledAt).not.toBeNull();

    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    const c = await load(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status])).toEqual([["team", "active"]]);
    expect(sub(c, "team").canceledAt).toBeNull();
  });

  it("attaching the plan that is already active is a 409 plan_already_attached", async () => {
    const id = await onPaidPro("dup");
    const err = await autumnError(t.autumn.billing.attach({ customerId: id, planId: "pro" }));
    expect(err).toMatchObject({ status: 409, code: "plan_already_attached" });
    const free = await newCustomer("dupfree");
    expect(await autumnError(t.autumn.billing.attach({ customerId: free, planId: "free" }))).toMatchObject({ status: 409, code: "plan_already_attached" });
  });
});

// ── cancel / uncancel ──────────────────────────────────────────────────────

describe("cancel and uncancel", () => {
  it("cancel_end_of_cycle keeps the plan until the period ends; uncancel clears it; at the period end the free plan returns", async () => {
    const id = await onPaidPro("cancel_eoc");
    const r = await t.autumn.billing.update({ customerId: id, planId: "pro", cancelAction: "cancel_end_of_cycle" });
    expect(r.paymentUrl).toBeNull();
    let pro = sub(await load(id), "pro");
    expect(pro.status).toBe("active");
    expect(pro.canceledAt).not.toBeNull();
    expect(pro.expiresAt).toBe(pro.currentPeriodEnd);

    await t.autumn.billing.update({ customerId: id, planId: "pro", cancelAction: "uncancel" });
    pro = sub(await load(id), "pro");
    expect(pro.canceledAt).toBeNull();
    expect(pro.expiresAt).toBeNull();

    await t.autumn.billing.update({ customerId: id, planId: "pro", cancelAction: "cancel_end_of_cycle" });
    const periodEnd = sub(await load(id), "pro").currentPeriodEnd as number;
    await t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: periodEnd - DAY });
    expect(activePlans(await load(id))).toEqual(["pro"]); // still paid-for time left
    await t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: periodEnd + DAY });
    const c = await load(id);
    expect(c.subscriptions.map((s) => [s.planId, s.status])).toEqual([["free", "active"]]);
    expect(c.balances.standard_messages?.remaining).toBe(50);
    expect(c.invoices?.length).toBe(1); // a canceled plan is not renewed
  });

  it("cancel_immediately puts the customer back on free at once; refund_last_payment full adds a refund invoice", async () => {
    const plain = await onPaidPro("cancel_now");
    await t.autumn.billing.update({ customerId: plain, planId: "pro", cancelAction: "cancel_immediately" });
    const c1 = await load(plain);
    expect(c1.subscriptions.map((s) => s.planId)).toEqual(["free"]);
    expect(c1.invoices?.length).toBe(1);

    // Allocated usage (seats) survives the cancel: the org still has its members.
    const seated = await onPaidPro("cancel_seats");
    await t.autumn.track({ customerId: seated, featureId: "seats", value: 4 });
    await t.autumn.billing.update({ customerId: seated, planId: "pro", cancelAction: "cancel_immediately" });
    const c3 = await load(seated);
    expect(c3.balances.seats).toMatchObject({ granted: 2, usage: 4, remaining: 0 });

    const refunded = await onPaidPro("cancel_refund");
    const preview = await t.autumn.billing.previewUpdate({ customerId: refunded, planId: "pro", cancelAction: "cancel_immediately", refundLastPayment: "full" });
    expect(preview.total).toBe(-29);
    await t.autumn.billing.update({ customerId: refunded, planId: "pro", cancelAction: "cancel_immediately", refundLastPayment: "full" });
    const c2 = await load(refunded);
    expect(c2.subscriptions.map((s) => s.planId)).toEqual(["free"]);
    expect(c2.invoices?.map((i) => i.total).sort((a, b) => a - b)).toEqual([-29, 29]);
    expect(c2.invoices?.find((i) => i.total < 0)).toMatchObject({ status: "refunded", currency: "usd", planIds: ["pro"] });
  });

  // Corrected: uncancel of a plan that is not canceling is a 200 no-op in real
  // Autumn (autumn-controls.md §5, §12.15), not a 400.
  it("the free plan has no period to end (400); uncancel on a plan that is not canceled changes nothing (200)", async () => {
    const id = await newCustomer("cancel_errors");
    expect(await autumnError(t.autumn.billing.update({ customerId: id, planId: "free", cancelAction: "cancel_end_of_cycle" })))
      .toMatchObject({ status: 400 });
    expect(await t.autumn.billing.update({ customerId: id, planId: "free", cancelAction: "uncancel" })).toMatchObject({ paymentUrl: null });
    const pro = await onPaidPro("uncancel_active");
    expect(await t.autumn.billing.update({ customerId: pro, planId: "pro", cancelAction: "uncancel" })).toMatchObject({ paymentUrl: null });
    expect(activePlans(await load(pro))).toEqual(["pro"]);
  });
});

// ── trials ─────────────────────────────────────────────────────────────────

describe("trials (pro: 7 days, card required)", () => {
  it("starts through checkout with nothing due, converts and charges at the trial end", async () => {
    const id = await newCustomer("trial");
    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "pro" });
    expect(preview.total).toBe(0);
    expect(preview.redirectToCheckout).toBe(true);
    expect(preview.lineItems[0]?.description).toMatch(/7-day free trial/);

    const r = await t.autumn.billing.attach({ customerId: id, planId: "pro", successUrl: SUCCESS_URL });
    expect(r.paymentUrl).not.toBeNull();
    const checkout = await page(r.paymentUrl as string);
    expect(checkout.html).toContain("7-day free trial");
    expect(checkout.html).toContain("Start trial");
    expect(checkout.html).toContain("$29.00");
    expect(checkout.html).toContain("$0.00");

    expect((await payCheckout(r.paymentUrl as string, SUCCESS_CARD)).status).toBe(303);
    const startedAt = Date.now();
    const c = await load(id);
    const pro = sub(c, "pro");
    expect(pro.status).toBe("active");
    expect(Math.abs((pro.trialEndsAt as number) - (startedAt + 7 * DAY))).toBeLessThan(60_000);
    expect(pro.currentPeriodEnd).toBe(pro.trialEndsAt);
    expect(c.invoices).toEqual([]);
    expect(c.trialsUsed?.map((x) => x.planId)).toEqual(["pro"]);
    const listed = await t.autumn.plans.list({ customerId: id });
    expect(listed.list.find((p) => p.id === "pro")?.customerEligibility).toMatchObject({ trialing: true, status: "active", attachAction: "none" });

    await t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: (pro.trialEndsAt as number) + DAY });
    const after = await load(id);
    const converted = sub(after, "pro");
    expect(converted.status).toBe("active");
    expect(converted.pastDue).toBe(false);
    expect(converted.currentPeriodStart).toBe(pro.trialEndsAt);
    expect(converted.currentPeriodEnd).toBeGreaterThan((pro.trialEndsAt as number) + 27 * DAY);
    expect(after.invoices).toHaveLength(1);
    expect(after.invoices?.[0]).toMatchObject({ total: 29, currency: "usd", planIds: ["pro"] });
    expect(after.invoices?.[0]?.createdAt).toBe(pro.trialEndsAt);
  });

  it("is not offered twice to the same customer", async () => {
    const id = await newCustomer("trial_once");
    await saveCard(id);
    const first = await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    expect(first.paymentUrl).toBeNull(); // card on file: the trial starts directly
    expect(first.invoice).toBeUndefined();
    expect(sub(await load(id), "pro").trialEndsAt).not.toBeNull();
    await t.autumn.billing.update({ customerId: id, planId: "pro", cancelAction: "cancel_immediately" });

    const listed = await t.autumn.plans.list({ customerId: id });
    expect(listed.list.find((p) => p.id === "pro")?.customerEligibility?.trialAvailable).toBe(false);
    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "pro" });
    expect(preview.total).toBe(29);
    expect(preview.lineItems.map((l) => l.description).join(" ")).not.toMatch(/trial/i);

    const again = await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    expect(again.invoice?.total).toBe(29);
    expect(sub(await load(id), "pro").trialEndsAt).toBeNull();
  });

  it("is not offered to another customer with the same fingerprint", async () => {
    const first = await newCustomer("fp_a", { fingerprint: "device_123" });
    await saveCard(first);
    await t.autumn.billing.attach({ customerId: first, planId: "pro" });
    expect(sub(await load(first), "pro").trialEndsAt).not.toBeNull();

    const second = await newCustomer("fp_b", { fingerprint: "device_123" });
    const preview = await t.autumn.billing.previewAttach({ customerId: second, planId: "pro" });
    expect(preview.total).toBe(29);
    expect(preview.lineItems.map((l) => l.description).join(" ")).not.toMatch(/trial/i);
    const listed = await t.autumn.plans.list({ customerId: second });
    expect(listed.list.find((p) => p.id === "pro")?.customerEligibility?.trialAvailable).toBe(false);

    // A different device still gets it.
    const third = await newCustomer("fp_c", { fingerprint: "device_456" });
    expect((await t.autumn.billing.previewAttach({ customerId: third, planId: "pro" })).total).toBe(0);
  });
});

// ── add-ons ────────────────────────────────────────────────────────────────

describe("add-on purchases", () => {
  it("credit_pack is a one-off purchase that stacks on the main plan", async () => {
    const id = await newCustomer("credits");
    await saveCard(id);
    const eligibility = (await t.autumn.plans.list({ customerId: id })).list.find((p) => p.id === "credit_pack")?.customerEligibility;
    expect(eligibility?.attachAction).toBe("purchase");

    const r = await t.autumn.billing.attach({ customerId: id, planId: "credit_pack" });
    expect(r.paymentUrl).toBeNull();
    expect(r.invoice?.total).toBe(10);
    let c = await load(id);
    expect(c.purchases.map((p) => p.planId)).toEqual(["credit_pack"]);
    expect(c.subscriptions.map((s) => s.planId)).toEqual(["free"]); // the main plan is untouched
    expect(c.balances.ai_credits?.remaining).toBe(500);

    await t.autumn.billing.attach({ customerId: id, planId: "credit_pack" });
    c = await load(id);
    expect(c.purchases.map((p) => p.planId)).toEqual(["credit_pack", "credit_pack"]);
    expect(c.balances.ai_credits?.remaining).toBe(1000);
    expect(c.invoices?.map((i) => i.total)).toEqual([10, 10]);
  });
});

// ── currencies ─────────────────────────────────────────────────────────────

describe("customer currency", () => {
  it("a BRL customer is quoted, shown and charged in reais", async () => {
    const id = await newCustomer("brl", { currency: "brl" });
    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "pro", customize: { freeTrial: null } });
    expect(preview.currency).toBe("brl");
    expect(preview.total).toBe(87);
    expect(preview.nextCycle?.total).toBe(87);

    const r = await t.autumn.billing.attach({ customerId: id, planId: "pro", customize: { freeTrial: null }, successUrl: SUCCESS_URL });
    const checkout = await page(r.paymentUrl as string);
    expect(checkout.html).toMatch(/R\$[\s\u00a0\u202f]87,00/);
    expect(checkout.html).not.toContain("$29.00");

    expect((await payCheckout(r.paymentUrl as string, SUCCESS_CARD)).status).toBe(303);
    const c = await load(id);
    expect(activePlans(c)).toEqual(["pro"]);
    expect(c.invoices?.[0]).toMatchObject({ total: 87, currency: "brl" });
  });

  it("a plan without a price in the customer's currency cannot be attached (400)", async () => {
    const id = await newCustomer("eur", { currency: "eur" });
    const err = await autumnError(t.autumn.billing.attach({ customerId: id, planId: "team" }));
    // Corrected: the code is currency_mismatch (handleCurrencyMismatchErrors), not invalid_inputs.
    expect(err).toMatchObject({ status: 400, code: "currency_mismatch" });
    expect(err.message).toMatch(/EUR/);
    expect(await autumnError(t.autumn.billing.previewAttach({ customerId: id, planId: "team" }))).toMatchObject({ status: 400 });
    expect(activePlans(await load(id))).toEqual(["free"]);
  });
});

// ── previews and redirect modes ────────────────────────────────────────────

describe("previews and redirect modes", () => {
  it("previewAttach and previewUpdate change nothing", async () => {
    const id = await onPaidPro("preview");
    const before = await load(id);
    await t.autumn.billing.previewAttach({ customerId: id, planId: "team" });
    await t.autumn.billing.previewAttach({ customerId: id, planId: "free" });
    await t.autumn.billing.previewAttach({ customerId: id, planId: "credit_pack" });
    const cancel = await t.autumn.billing.previewUpdate({ customerId: id, planId: "pro", cancelAction: "cancel_end_of_cycle" });
    expect(cancel.outgoing.map((o) => o.planId)).toEqual(["pro"]);
    expect(cancel.outgoing[0]?.effectiveAt).toBe(sub(before, "pro").currentPeriodEnd);
    await t.autumn.billing.previewUpdate({ customerId: id, planId: "pro", cancelAction: "cancel_immediately", refundLastPayment: "full" });
    expect(await load(id)).toEqual(before);
  });

  it("redirectMode always returns a payment URL even with a card on file", async () => {
    const id = await newCustomer("always");
    await saveCard(id);
    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "team", redirectMode: "always" });
    expect(preview.redirectToCheckout).toBe(true);
    const r = await t.autumn.billing.attach({ customerId: id, planId: "team", redirectMode: "always" });
    expect(r.paymentUrl).toMatch(/\/checkout\//);
    expect(activePlans(await load(id))).toEqual(["free"]);
  });

  it("redirectMode never without a card returns no URL and a required action, and attaches nothing", async () => {
    const id = await newCustomer("never");
    const preview = await t.autumn.billing.previewAttach({ customerId: id, planId: "team", redirectMode: "never" });
    expect(preview.redirectToCheckout).toBe(false);
    const r = await t.autumn.billing.attach({ customerId: id, planId: "team", redirectMode: "never" });
    expect(r.paymentUrl).toBeNull();
    expect(r.requiredAction?.code).toBe("payment_method_required");
    expect(r.invoice).toBeUndefined();
    const c = await load(id);
    expect(activePlans(c)).toEqual(["free"]);
    expect(c.invoices).toEqual([]);
  });

  it("noBillingChanges grants the plan at once with no invoice and no card (a migration)", async () => {
    const id = await newCustomer("migrate");
    const r = await t.autumn.billing.attach({ customerId: id, planId: "team", noBillingChanges: true });
    expect(r.paymentUrl).toBeNull();
    expect(r.invoice).toBeUndefined();
    const c = await load(id);
    expect(activePlans(c)).toEqual(["team"]);
    expect(c.invoices).toEqual([]);
    expect(c.paymentMethod).toBeNull();
    expect(c.balances.premium_messages?.remaining).toBe(1000);

    const pro = await newCustomer("migrate_pro");
    expect((await t.autumn.billing.attach({ customerId: pro, planId: "pro", noBillingChanges: true })).paymentUrl).toBeNull();
    const cp = await load(pro);
    expect(activePlans(cp)).toEqual(["pro"]);
    expect(cp.invoices).toEqual([]);
    // A migration grants the plan as it is: no trial starts and none is used up.
    expect(sub(cp, "pro").trialEndsAt).toBeNull();
    expect(cp.trialsUsed).toEqual([]);
  });
});

// ── hosted portal and payment setup ────────────────────────────────────────

describe("billing portal", () => {
  it("lists the plan and invoices, cancels and renews from the page, and links back to the app", async () => {
    const id = await onPaidPro("portal");
    const returnUrl = "https://app.example.com/settings/billing";
    const { url } = await t.autumn.billing.openCustomerPortal({ customerId: id, returnUrl });
    expect(url).toMatch(new RegExp(`^${t.url}/portal/`));

    const p = await page(url);
    expect(p.status).toBe(200);
    expect(p.html).toContain("<strong>Pro</strong>");
    expect(p.html).toContain("Renews");
    expect(p.html).toContain("$29.00");
    expect(p.html).toContain("/invoices/");
    expect(p.html).toContain("VISA &bull;&bull;&bull;&bull; 4242");
    expect(p.html).toContain(`href="${returnUrl}"`);

    const canceled = await postForm(`${url}/cancel`, { plan_id: "pro" });
    expect(canceled.status).toBe(200);
    const canceledHtml = await canceled.text();
    expect(canceledHtml).toContain("Ends ");
    expect(canceledHtml).toContain("Renew plan");
    expect(sub(await load(id), "pro").canceledAt).not.toBeNull();

    const renewed = await postForm(`${url}/uncancel`, { plan_id: "pro" });
    expect(renewed.status).toBe(200);
    expect(await renewed.text()).toContain("Cancel plan");
    const pro = sub(await load(id), "pro");
    expect(pro.canceledAt).toBeNull();
    expect(pro.expiresAt).toBeNull();
  });
});

describe("setupPayment", () => {
  it("saves a card on the hosted page; afterwards a paid attach is immediate", async () => {
    const id = await newCustomer("setup");
    const { url } = await t.autumn.billing.setupPayment({ customerId: id, successUrl: SUCCESS_URL });
    const p = await page(url);
    expect(p.status).toBe(200);
    expect(p.html).toContain("Add a payment method");
    expect(p.html).toContain("Save card");

    const saved = await payCheckout(url, SUCCESS_CARD);
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(SUCCESS_URL);
    const c = await load(id);
    expect(c.paymentMethod).toMatchObject({ type: "card", card: { last4: "4242" } });
    expect(activePlans(c)).toEqual(["free"]); // saving a card attaches nothing
    expect(c.invoices).toEqual([]);

    const r = await t.autumn.billing.attach({ customerId: id, planId: "team" });
    expect(r.paymentUrl).toBeNull();
    expect(r.invoice?.total).toBe(99);
    expect(activePlans(await load(id))).toEqual(["team"]);
  });
});

describe("a card whose later charges fail (4000 0000 0000 0341)", () => {
  /** The billing.updated events the sandbox sends while `fn` runs. */
  async function billingUpdates(fn: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
    const send = vi.spyOn(t.sandbox.webhooks, "send");
    try {
      await fn();
      return send.mock.calls.map(([e]) => e).filter((e) => e.type === "billing.updated").map((e) => e.data);
    } finally {
      send.mockRestore();
    }
  }

  it("pays the checkout and is saved; the renewal fails: past due, an open invoice, announced by billing.updated", async () => {
    const id = await newCustomer("fails_later");
    const r = await t.autumn.billing.attach({ customerId: id, planId: "team", successUrl: SUCCESS_URL });
    const checkout = await page(r.paymentUrl as string);
    expect(checkout.html).toContain(CHARGES_FAIL_CARD);
    expect((await payCheckout(r.paymentUrl as string, CHARGES_FAIL_CARD)).status).toBe(303);

    const paid = await load(id);
    const team = sub(paid, "team");
    expect(activePlans(paid)).toEqual(["team"]);
    expect(team.pastDue).toBe(false);
    expect(paid.paymentMethod).toMatchObject({ type: "card", card: { last4: "0341" } });
    expect(paid.invoices?.map((i) => [i.status, i.total])).toEqual([["paid", 99]]);

    const events = await billingUpdates(async () => {
      await t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: (team.currentPeriodEnd as number) + DAY });
    });
    const after = await load(id);
    const renewed = sub(after, "team");
    expect(renewed.status).toBe("active");
    expect(renewed.pastDue).toBe(true);
    expect(renewed.currentPeriodStart).toBe(team.currentPeriodEnd);
    expect(after.invoices?.filter((i) => i.status === "paid")).toHaveLength(1); // no new paid invoice
    expect(after.invoices?.[0]).toMatchObject({ status: "open", total: 99, planIds: ["team"], createdAt: team.currentPeriodEnd });
    const changes = events.filter((e) => e.customer_id === id).flatMap((e) => e.plan_changes as Array<Record<string, unknown>>);
    expect(changes).toContainEqual(expect.objectContaining({
      action: "updated",
      subscription: expect.objectContaining({ plan_id: "team", past_due: true }),
      previous_attributes: expect.objectContaining({ past_due: false }),
    }));

    // A card that pays, saved through setup_payment, pays the open invoice and ends past due.
    const { url } = await t.autumn.billing.setupPayment({ customerId: id, successUrl: SUCCESS_URL });
    const recovered = await billingUpdates(async () => { expect((await payCheckout(url, SUCCESS_CARD)).status).toBe(303); });
    const fixed = await load(id);
    expect(sub(fixed, "team").pastDue).toBe(false);
    expect(fixed.invoices?.map((i) => i.status)).toEqual(["paid", "paid"]);
    expect(recovered.some((e) => e.customer_id === id)).toBe(true);
  });

  it("starts a card-required trial; the trial conversion fails: past due, nothing paid", async () => {
    const id = await newCustomer("fails_trial");
    const r = await t.autumn.billing.attach({ customerId: id, planId: "pro", successUrl: SUCCESS_URL });
    expect((await payCheckout(r.paymentUrl as string, CHARGES_FAIL_CARD)).status).toBe(303);
    const pro = sub(await load(id), "pro");
    expect(pro.trialEndsAt).not.toBeNull();

    await t.autumn.customers.advanceTestClock({ customerId: id, frozenTime: (pro.trialEndsAt as number) + DAY });
    const after = await load(id);
    expect(sub(after, "pro")).toMatchObject({ status: "active", pastDue: true, currentPeriodStart: pro.trialEndsAt });
    expect(after.invoices?.map((i) => [i.status, i.total])).toEqual([["open", 29]]);
  });
});

// ── eligibility and the test clock ─────────────────────────────────────────

describe("plans.list customer eligibility", () => {
  it("says what attaching each plan would do for this customer", async () => {
    const id = await newCustomer("eligibility");
    const { list } = await t.autumn.plans.list({ customerId: id });
    const action = (planId: string): string | undefined => list.find((p) => p.id === planId)?.customerEligibility?.attachAction;
    expect(action("free")).toBe("none");
    expect(action("pro")).toBe("upgrade");
    expect(action("team")).toBe("upgrade");
    expect(action("credit_pack")).toBe("purchase");
    expect(list.find((p) => p.id === "pro")?.customerEligibility?.trialAvailable).toBe(true);
    expect(list.find((p) => p.id === "free")?.customerEligibility).toMatchObject({ status: "active", canceling: false });

    await saveCard(id);
    await t.autumn.billing.attach({ customerId: id, planId: "team" });
    const after = (await t.autumn.plans.list({ customerId: id })).list;
    const next = (planId: string): string | undefined => after.find((p) => p.id === planId)?.customerEligibility?.attachAction;
    expect(next("team")).toBe("none");
    expect(next("pro")).toBe("downgrade");
    expect(next("free")).toBe("downgrade");
  });
});

describe("customers.advanceTestClock", () => {
  it("moves only that customer's time", async () => {
    const a = await onPaidPro("clock_a");
    const b = await onPaidPro("clock_b");
    const before = sub(await load(a), "pro");
    const bBefore = sub(await load(b), "pro");

    const target = (before.currentPeriodEnd as number) + 2 * DAY;
    const moved = await t.autumn.customers.advanceTestClock({ customerId: a, frozenTime: target });
    expect(moved.customerId).toBe(a);
    expect(moved.status).toBe("ready");
    expect(Math.abs(moved.frozenTime - target)).toBeLessThan(1_000);

    const ca = await load(a);
    expect(sub(ca, "pro").currentPeriodStart).toBe(before.currentPeriodEnd);
    expect(ca.invoices?.map((i) => i.total)).toEqual([29, 29]); // renewed

    const cb = await load(b);
    expect(sub(cb, "pro").currentPeriodEnd).toBe(bBefore.currentPeriodEnd);
    expect(cb.invoices?.map((i) => i.total)).toEqual([29]);

    expect(await autumnError(t.autumn.customers.advanceTestClock({ customerId: a, frozenTime: Date.now() }))).toMatchObject({ status: 400 });
  });
});
