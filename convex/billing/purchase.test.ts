// Buying and changing plans, end to end: owner actions in purchase.ts, the
// local Autumn sandbox through the real autumn-js client, its hosted checkout
// page paid with test cards, its test clock, and the post-checkout watcher.
// No webhooks are configured: every cache change asserted here comes from
// the action's own read-back or from the watcher.
//
// Time: the watcher schedules its re-syncs 3s, 20s, 60s… ahead. Tests never
// wait for them (and fake timers would freeze the in-process sandbox): a
// scheduled tick is read from `_scheduled_functions`, checked, canceled so
// the real timer cannot fire it too, and run directly — "time passes".
import type { Id } from "../_generated/dataModel";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";
import { billingErrorCode } from "./errors";
import { safeRedirect } from "./purchase";
import { errorCode, SITE, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";
import { WATCH_BACKOFF_MS } from "./watcher";

const DAY = 86_400_000;
const CARD_OK = "4242 4242 4242 4242";
const CARD_DECLINED = "4000 0000 0000 0002";
const SUCCESS_PATH = "/billing/success";

let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  // An archived plan in the catalog: it can never be bought.
  const res = await b.autumn.rpc("catalog.update", {
    features: [],
    plans: [{ plan_id: "starter_2023", name: "Starter (2023)", group: "main", price: { amount: 5, interval: "month" }, items: [], archived: true }],
    skip_deletions: true,
  });
  expect(res.status).toBe(200);
  expect(await b.t.action(internal.billing.sync.syncPlans, {})).toMatchObject({ ok: true, plans: 5 });
  owner = await b.signUp("olga@example.com", "Olga Owner");
}, 30_000);
afterAll(async () => { await b?.close(); });
afterEach(async () => {
  await b.autumn.control("/sandbox/faults", undefined, "DELETE");
  await b.autumn.control("/sandbox/config", { settlement_delay_ms: 0 });
});

// ── helpers ────────────────────────────────────────────────────────────────

/** A new org, provisioned on the free plan by the creation trigger. */
async function newOrg(name: string, by: TestUser = owner): Promise<string> {
  const orgId = await b.createOrg(by, name);
  await b.drainScheduled();
  return orgId;
}
const asOwner = (orgId: string, by: TestUser = owner) => b.as(by, orgId);
const billingOf = async (orgId: string, by: TestUser = owner) => (await asOwner(orgId, by).query(api.billing.api.getOrgBilling, {})).billing;
const syncOrg = async (orgId: string): Promise<void> => {
  expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId })).toEqual({ ok: true, error: null });
};
const sandboxCalls = (): Promise<Record<string, number>> => b.autumnCalls();
/** Put a card on file through the sandbox's hosted setup page (later attaches are immediate). */
async function cardOnFile(orgId: string): Promise<void> {
  const { url } = await b.autumn.autumn.billing.setupPayment({ customerId: orgId, successUrl: `${SITE}/billing` });
  expect((await payCheckout(url, CARD_OK)).status).toBe(303);
  await b.autumn.control("/sandbox/checkouts/settle");
}

interface TickArgs { organizationId: string; planId: string; attempt: number }
interface TickJob { id: Id<"_scheduled_functions">; scheduledTime: number; args: TickArgs }

/** Watcher ticks still waiting to run for this org (and plan). */
async function pendingTicks(organizationId: string, planId?: string): Promise<TickJob[]> {
  const jobs = await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  return jobs
    .filter((j) => j.name === "billing/watcher:tick" && j.state.kind === "pending")
    .map((j) => ({ id: j._id, scheduledTime: j.scheduledTime, args: j.args[0] as TickArgs }))
    .filter((j) => j.args.organizationId === organizationId && (planId === undefined || j.args.planId === planId));
}

/**
 * Let time pass until the watcher's next tick: exactly one is scheduled for
 * this org and plan; cancel it (so its real timer does nothing) and run it now.
 */
async function runNextTick(organizationId: string, planId: string): Promise<TickJob> {
  const jobs = await pendingTicks(organizationId, planId);
  expect(jobs).toHaveLength(1);
  const job = jobs[0] as TickJob;
  await b.t.run((ctx) => ctx.scheduler.cancel(job.id));
  await b.t.action(internal.billing.watcher.tick, job.args);
  return job;
}

const watcherOf = (organizationId: string, planId: string) =>
  b.t.run((ctx) => ctx.db.query("billingWatchers")
    .withIndex("by_organizationId_planId", (q) => q.eq("organizationId", organizationId).eq("planId", planId)).unique());
const activation = (orgId: string, planId: string, by: TestUser = owner) => asOwner(orgId, by).query(api.billing.watcher.getActivation, { planId });

// ── redirects ──────────────────────────────────────────────────────────────

describe("redirect targets (no open redirects)", () => {
  it("safeRedirect accepts relative paths and the app's own origin, and nothing else", () => {
    const site = "https://app.example.com";
    expect(safeRedirect("/billing/success", site)).toBe("https://app.example.com/billing/success");
    expect(safeRedirect("/billing/success?plan=pro#top", site)).toBe("https://app.example.com/billing/success?plan=pro#top");
    expect(safeRedirect("  /settings/billing ", site)).toBe("https://app.example.com/settings/billing");
    expect(safeRedirect("https://app.example.com/settings", site)).toBe("https://app.example.com/settings");
    for (const bad of [
      "https://evil.example/billing",
      "//evil.example/billing",
      "/\\evil.example",
      "javascript:alert(1)",
      "data:text/html,hi",
      "http://app.example.com/settings", // another scheme is another origin
      "https://app.example.com:8443/settings",
      "https://app.example.com.evil.example/",
      "https://user@evil.example/",
      "billing/success",
      "",
    ]) {
      expect(() => safeRedirect(bad, site), bad).toThrow();
      try { safeRedirect(bad, site); } catch (err) { expect(billingErrorCode(err), bad).toBe("INVALID_REDIRECT"); }
    }
    // Without a configured SITE_URL nothing can be trusted.
    try { safeRedirect("/billing", ""); expect.unreachable(); } catch (err) { expect(billingErrorCode(err)).toBe("INVALID_REDIRECT"); }
  });

  it("checkout, purchaseAddOn and openBillingPortal refuse foreign targets with INVALID_REDIRECT before calling Autumn", async () => {
    const orgId = await newOrg("Redirect Co");
    const before = await sandboxCalls();
    for (const bad of ["https://evil.example/billing/success", "//evil.example/x", "javascript:alert(1)"]) {
      expect(await errorCode(asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: bad }))).toBe("INVALID_REDIRECT");
      expect(await errorCode(asOwner(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: bad }))).toBe("INVALID_REDIRECT");
      expect(await errorCode(asOwner(orgId).action(api.billing.purchase.openBillingPortal, { returnUrl: bad }))).toBe("INVALID_REDIRECT");
    }
    expect(await sandboxCalls()).toEqual(before);
    expect(await watcherOf(orgId, "team")).toBeNull();
  });

  it("a relative successUrl reaches the payment page as an absolute URL on the app's origin", async () => {
    const orgId = await newOrg("Absolute Co");
    const res = await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: `${SUCCESS_PATH}?plan=team` });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    const paid = await payCheckout(res.paymentUrl, CARD_OK);
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`${SITE}${SUCCESS_PATH}?plan=team`);
    // Same-origin absolute URLs are accepted as they are.
    const portal = await asOwner(orgId).action(api.billing.purchase.openBillingPortal, { returnUrl: `${SITE}/settings/billing` });
    expect(await (await fetch(portal.url)).text()).toContain(`href="${SITE}/settings/billing"`);
    // Keep the background tick from running after this test.
    for (const job of await pendingTicks(orgId)) await b.t.run((ctx) => ctx.scheduler.cancel(job.id));
  });
});

// ── plan errors ────────────────────────────────────────────────────────────

describe("unknown and archived plans", () => {
  it("are PLAN_NOT_FOUND for preview, checkout and add-on purchase, without calling Autumn", async () => {
    const orgId = await newOrg("Missing Plan Co");
    const before = await sandboxCalls();
    for (const planId of ["enterprise", "starter_2023"]) {
      expect(await errorCode(asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId })), planId).toBe("PLAN_NOT_FOUND");
      expect(await errorCode(asOwner(orgId).action(api.billing.purchase.checkout, { planId, successUrl: SUCCESS_PATH })), planId).toBe("PLAN_NOT_FOUND");
      expect(await errorCode(asOwner(orgId).action(api.billing.purchase.purchaseAddOn, { planId, successUrl: SUCCESS_PATH })), planId).toBe("PLAN_NOT_FOUND");
    }
    expect(await sandboxCalls()).toEqual(before);
  });

  it("plans and add-ons go through their own action (INVALID_ARGUMENT otherwise)", async () => {
    const orgId = await newOrg("Wrong Path Co");
    expect(await errorCode(asOwner(orgId).action(api.billing.purchase.checkout, { planId: "credit_pack", successUrl: SUCCESS_PATH }))).toBe("INVALID_ARGUMENT");
    expect(await errorCode(asOwner(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "pro", successUrl: SUCCESS_PATH }))).toBe("INVALID_ARGUMENT");
    expect((await billingOf(orgId)).plan?.planId).toBe("free");
  });
});

// ── journeys ───────────────────────────────────────────────────────────────

describe("free → checkout → hosted payment → settlement → watcher flips the cache", () => {
  it("team with no card on file: redirect, pay, not settled yet, settled, activated", async () => {
    const orgId = await newOrg("Journey Co");
    // Payments stay "processing" until we settle them explicitly.
    await b.autumn.control("/sandbox/config", { settlement_delay_ms: 3_600_000 });

    const preview = await asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId: "team" });
    expect(preview).toMatchObject({
      planId: "team", planName: "Team", action: "upgrade", total: 99, currency: "usd", effectiveAt: null, requiresRedirect: true,
      lines: [{ description: "Team - Base price", amount: 99 }],
      nextCycle: { total: 99 },
    });

    const res = await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    expect(res.paymentUrl.startsWith(`${b.autumn.url}/checkout/`)).toBe(true);

    // Nothing changed yet; a watcher is waiting, first re-sync 3 s out.
    expect((await billingOf(orgId)).plan?.planId).toBe("free");
    const w0 = await watcherOf(orgId, "team");
    expect(w0).toMatchObject({ state: "watching", attempt: 0, finishedAt: null, lastError: null, baselinePurchases: 0 });
    expect((w0?.nextCheckAt ?? 0) - (w0?.startedAt ?? 0)).toBe(WATCH_BACKOFF_MS[0]);
    const [job0] = await pendingTicks(orgId, "team");
    expect(job0?.args).toEqual({ organizationId: orgId, planId: "team", attempt: 0 });
    expect(Math.abs((job0?.scheduledTime ?? 0) - (w0?.nextCheckAt ?? 0))).toBeLessThan(1000);
    expect(await activation(orgId, "team")).toEqual({ state: "watching", planActive: false, nextCheckAt: w0?.nextCheckAt });

    // The owner pays on the hosted page and is sent back at once…
    const paid = await payCheckout(res.paymentUrl, CARD_OK);
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`${SITE}${SUCCESS_PATH}`);

    // …but the payment has not settled: the first re-sync finds the org still on free.
    const t1 = Date.now();
    await runNextTick(orgId, "team");
    const w1 = await watcherOf(orgId, "team");
    expect(w1).toMatchObject({ state: "watching", attempt: 1, lastError: null });
    expect(w1?.nextCheckAt).toBeGreaterThanOrEqual(t1 + WATCH_BACKOFF_MS[1]);
    expect(w1?.nextCheckAt).toBeLessThanOrEqual(Date.now() + WATCH_BACKOFF_MS[1]);
    expect((await pendingTicks(orgId, "team")).map((j) => j.args.attempt)).toEqual([1]);
    expect((await billingOf(orgId)).plan?.planId).toBe("free");

    // Settlement (Stripe → Autumn). Without a webhook, the cache does not know yet.
    await b.autumn.control("/sandbox/checkouts/settle");
    expect((await billingOf(orgId)).plan?.planId).toBe("free");

    // The next re-sync sees it: the watcher stops and the cache has flipped.
    await runNextTick(orgId, "team");
    const w2 = await watcherOf(orgId, "team");
    expect(w2).toMatchObject({ state: "activated", attempt: 2, nextCheckAt: null, lastError: null });
    expect(w2?.finishedAt).toEqual(expect.any(Number));
    expect(await pendingTicks(orgId)).toEqual([]);
    const billing = await billingOf(orgId);
    expect(billing.plan).toMatchObject({ planId: "team", name: "Team", status: "active" });
    expect(billing.flags.map((f) => f.featureId)).toEqual(["custom_branding", "priority_support"]);
    expect(billing.invoices).toEqual([expect.objectContaining({ planIds: ["team"], status: "paid", total: 99, currency: "usd" })]);
    expect(await activation(orgId, "team")).toEqual({ state: "activated", planActive: true, nextCheckAt: null });

    // A late or duplicate tick changes nothing and schedules nothing.
    await b.t.action(internal.billing.watcher.tick, { organizationId: orgId, planId: "team", attempt: 1 });
    expect(await watcherOf(orgId, "team")).toEqual(w2);
    expect(await pendingTicks(orgId)).toEqual([]);
  });

  it("one watcher per org and plan: a second checkout does not start a second one", async () => {
    const orgId = await newOrg("Twice Co");
    const first = await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH });
    const second = await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH });
    expect(first.status).toBe("redirect");
    expect(second.status).toBe("redirect");
    const rows = await b.t.run((ctx) => ctx.db.query("billingWatchers")
      .withIndex("by_organizationId_planId", (q) => q.eq("organizationId", orgId).eq("planId", "team")).collect());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "watching", attempt: 0 });
    expect(await pendingTicks(orgId, "team")).toHaveLength(1);
    // retryActivation while watching is a no-op too.
    await asOwner(orgId).action(api.billing.watcher.retryActivation, { planId: "team" });
    expect(await pendingTicks(orgId, "team")).toHaveLength(1);
    // Another plan is watched on its own.
    expect((await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS_PATH })).status).toBe("redirect");
    expect((await pendingTicks(orgId)).map((j) => j.args.planId).sort()).toEqual(["pro", "team"]);
    for (const job of await pendingTicks(orgId)) await b.t.run((ctx) => ctx.scheduler.cancel(job.id));
  });

  it("payment never happens: the watcher backs off 3s, 20s, 60s, 120s, 300s and gives up; retry restarts it", async () => {
    const orgId = await newOrg("Declined Co");
    const res = await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    // The card is declined: the page says so and nothing is charged.
    expect((await payCheckout(res.paymentUrl, CARD_DECLINED)).status).toBe(402);

    const delays: number[] = [];
    for (let attempt = 0; attempt < WATCH_BACKOFF_MS.length; attempt += 1) {
      const before = await watcherOf(orgId, "team");
      expect(before).toMatchObject({ state: "watching", attempt });
      const job = await runNextTick(orgId, "team");
      expect(job.args.attempt).toBe(attempt);
      expect(Math.abs(job.scheduledTime - (before?.nextCheckAt ?? 0))).toBeLessThan(1000);
      delays.push(attempt === 0 ? (before?.nextCheckAt ?? 0) - (before?.startedAt ?? 0) : WATCH_BACKOFF_MS[attempt] ?? -1);
    }
    expect(delays).toEqual([...WATCH_BACKOFF_MS]);
    expect(await watcherOf(orgId, "team")).toMatchObject({ state: "gave_up", attempt: 5, nextCheckAt: null, lastError: null });
    expect(await pendingTicks(orgId)).toEqual([]);
    expect(await activation(orgId, "team")).toEqual({ state: "gave_up", planActive: false, nextCheckAt: null });
    expect((await billingOf(orgId)).plan?.planId).toBe("free");
    expect((await billingOf(orgId)).invoices).toEqual([]);

    // "Check again": the owner retries, pays with a good card this time, and the watcher activates.
    await asOwner(orgId).action(api.billing.watcher.retryActivation, { planId: "team" });
    expect(await watcherOf(orgId, "team")).toMatchObject({ state: "watching", attempt: 0, finishedAt: null });
    expect((await payCheckout(res.paymentUrl, CARD_OK)).status).toBe(303); // settles at once (delay 0)
    await runNextTick(orgId, "team");
    expect(await watcherOf(orgId, "team")).toMatchObject({ state: "activated", attempt: 1 });
    expect((await billingOf(orgId)).plan).toMatchObject({ planId: "team", status: "active" });
  });

  it("a failing re-sync is recorded on the watcher and it keeps going", async () => {
    const orgId = await newOrg("Flaky Co");
    const res = await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    await b.autumn.control("/sandbox/faults", { route: "customers.get_or_create", mode: "error", status: 503, count: 20 });
    await runNextTick(orgId, "team");
    const w = await watcherOf(orgId, "team");
    expect(w).toMatchObject({ state: "watching", attempt: 1 });
    expect(w?.lastError).toMatch(/^AUTUMN_UNAVAILABLE: /);
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    expect((await payCheckout(res.paymentUrl, CARD_OK)).status).toBe(303);
    await runNextTick(orgId, "team");
    expect(await watcherOf(orgId, "team")).toMatchObject({ state: "activated", lastError: null });
  });
});

describe("card on file: upgrades apply now, downgrades are scheduled", () => {
  it("free → team at once, team → pro at the period end (test clock), with the cache updated by each write", async () => {
    const orgId = await newOrg("Upgrade Co");
    await cardOnFile(orgId);

    const up = await asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId: "team" });
    expect(up).toMatchObject({ action: "upgrade", total: 99, effectiveAt: null, requiresRedirect: false });

    const callsBefore = await sandboxCalls();
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH })).toEqual({ status: "activated" });
    // Immediate: no payment page, no watcher, and the cache already shows it (no sync, no webhook).
    expect(await watcherOf(orgId, "team")).toBeNull();
    expect(await pendingTicks(orgId)).toEqual([]);
    expect((await sandboxCalls())["billing.attach"]).toBe((callsBefore["billing.attach"] ?? 0) + 1);
    const team = await billingOf(orgId);
    expect(team.plan).toMatchObject({ planId: "team", status: "active", trialEndsAt: null });
    expect(team.invoices.filter((i) => i.total > 0)).toEqual([expect.objectContaining({ planIds: ["team"], status: "paid", total: 99 })]);
    const periodEnd = team.plan?.currentPeriodEnd ?? 0;
    expect(periodEnd).toBeGreaterThan(Date.now() + 27 * DAY);

    // Downgrade: previewed as taking effect at the period end, nothing due today.
    const down = await asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId: "pro" });
    expect(down).toMatchObject({ action: "downgrade", effectiveAt: periodEnd, total: 0, lines: [], requiresRedirect: false, nextCycle: { startsAt: periodEnd, total: 29 } });
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS_PATH })).toEqual({ status: "scheduled" });
    const scheduled = await billingOf(orgId);
    expect(scheduled.plan).toMatchObject({ planId: "team", status: "active" });
    expect(scheduled.scheduledChange).toEqual({ planId: "pro", planName: "Pro", startsAt: periodEnd });
    expect(await pendingTicks(orgId)).toEqual([]);

    // The test clock passes the period end: the downgrade is applied.
    await b.autumn.control("/sandbox/clock/advance", { ms: 32 * DAY, customer_id: orgId });
    await syncOrg(orgId);
    const after = await billingOf(orgId);
    expect(after.plan).toMatchObject({ planId: "pro", status: "active", trialEndsAt: null });
    expect(after.scheduledChange).toBeNull();
    expect(after.flags.map((f) => f.featureId)).toEqual(["custom_branding"]);
    expect(after.invoices.map((i) => [i.planIds, i.total])).toContainEqual([["pro"], 29]);
  });
});

describe("cancel", () => {
  it("end of cycle → uncancel; scheduled downgrade → keep current plan; cancel now", async () => {
    const orgId = await newOrg("Cancel Co");
    await cardOnFile(orgId);
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH })).toEqual({ status: "activated" });

    // Cancel at the end of the cycle: still on team, until the period end.
    expect(await asOwner(orgId).action(api.billing.purchase.cancelSubscription, { planId: "team" })).toBeNull();
    const canceling = await billingOf(orgId);
    expect(canceling.plan).toMatchObject({ planId: "team", status: "canceling" });
    expect(canceling.plan?.canceledAt).toEqual(expect.any(Number));
    expect(canceling.plan?.expiresAt).toBe(canceling.plan?.currentPeriodEnd);
    // Checking out the same plan again is "keep current", free of charge.
    expect(await asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId: "team" })).toMatchObject({ action: "keep_current", total: 0, requiresRedirect: false });

    expect(await asOwner(orgId).action(api.billing.purchase.uncancelSubscription, { planId: "team" })).toBeNull();
    expect((await billingOf(orgId)).plan).toMatchObject({ planId: "team", status: "active", canceledAt: null, expiresAt: null });

    // …and so does checking out the canceling plan again ("keep current plan"), with no charge:
    // an uncancel (billing.update) aimed at the canceling plan, never a re-attach (Autumn: 409).
    await asOwner(orgId).action(api.billing.purchase.cancelSubscription, { planId: "team" });
    expect((await billingOf(orgId)).plan?.status).toBe("canceling");
    await b.autumn.control("/sandbox/stats/reset");
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH })).toEqual({ status: "uncanceled" });
    expect((await sandboxCalls())["billing.attach"]).toBeUndefined();
    expect((await sandboxCalls())["billing.update"]).toBe(1);
    expect((await billingOf(orgId)).plan).toMatchObject({ planId: "team", status: "active", canceledAt: null });
    expect((await billingOf(orgId)).invoices.filter((i) => i.total > 0)).toHaveLength(1);

    // A scheduled downgrade undone by "uncancel" or by checking out the current plan (keep it).
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS_PATH })).toEqual({ status: "scheduled" });
    expect((await billingOf(orgId)).scheduledChange?.planId).toBe("pro");
    await asOwner(orgId).action(api.billing.purchase.uncancelSubscription, { planId: "team" });
    expect(await billingOf(orgId)).toMatchObject({ plan: { planId: "team", status: "active" }, scheduledChange: null });
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS_PATH })).toEqual({ status: "scheduled" });
    expect(await asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId: "team" })).toMatchObject({ action: "keep_current", total: 0 });
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH })).toEqual({ status: "uncanceled" });
    expect(await billingOf(orgId)).toMatchObject({ plan: { planId: "team", status: "active" }, scheduledChange: null });

    // The current plan with nothing pending cannot be bought twice.
    expect(await errorCode(asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH }))).toBe("CONFLICT");

    // Uncancel with nothing pending changes nothing, and is not an error (real Autumn answers 200).
    expect(await asOwner(orgId).action(api.billing.purchase.uncancelSubscription, { planId: "team" })).toBeNull();
    expect(await billingOf(orgId)).toMatchObject({ plan: { planId: "team", status: "active", canceledAt: null }, scheduledChange: null });

    // Cancel now: back on the free default plan at once.
    await asOwner(orgId).action(api.billing.purchase.cancelSubscription, { planId: "team", cancelAction: "immediately" });
    const now = await billingOf(orgId);
    expect(now.plan).toMatchObject({ planId: "free", status: "active" });
    expect(now.flags).toEqual([]);
    // Nothing left to cancel.
    expect(await errorCode(asOwner(orgId).action(api.billing.purchase.cancelSubscription, { planId: "team" }))).toBe("PLAN_NOT_FOUND");
  });

  it("end of cycle → test clock → back on free", async () => {
    const orgId = await newOrg("Lapse Co");
    await cardOnFile(orgId);
    await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: SUCCESS_PATH });
    await asOwner(orgId).action(api.billing.purchase.cancelSubscription, { planId: "team", cancelAction: "end_of_cycle" });
    expect((await billingOf(orgId)).plan?.status).toBe("canceling");
    await b.autumn.control("/sandbox/clock/advance", { ms: 32 * DAY, customer_id: orgId });
    await syncOrg(orgId);
    expect((await billingOf(orgId)).plan).toMatchObject({ planId: "free", status: "active", canceledAt: null });
  });
});

describe("trial → clock → paid", () => {
  it("pro's 7-day card-required trial: payment page, trialing, converted to paid when the trial ends", async () => {
    const trialOwner = await b.signUp("tess@example.com", "Tess Trial");
    const orgId = await newOrg("Trial Co", trialOwner);

    const preview = await asOwner(orgId, trialOwner).action(api.billing.purchase.previewCheckout, { planId: "pro" });
    expect(preview).toMatchObject({
      action: "trial", total: 0, currency: "usd", effectiveAt: null, requiresRedirect: true,
      lines: [{ description: "Pro - 7-day free trial", amount: 0 }],
      nextCycle: { total: 29 },
    });
    expect(preview.nextCycle?.startsAt).toBeGreaterThan(Date.now() + 7 * DAY - 60_000);
    expect(preview.nextCycle?.startsAt).toBeLessThanOrEqual(Date.now() + 7 * DAY + 60_000);

    const res = await asOwner(orgId, trialOwner).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS_PATH });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    expect((await payCheckout(res.paymentUrl, CARD_OK)).status).toBe(303);
    await runNextTick(orgId, "pro");
    expect(await watcherOf(orgId, "pro")).toMatchObject({ state: "activated" });

    const trialing = await billingOf(orgId, trialOwner);
    expect(trialing.plan).toMatchObject({ planId: "pro", status: "trialing" });
    expect(trialing.plan?.trialEndsAt).toBeGreaterThan(Date.now() + 7 * DAY - 60_000);
    expect(trialing.invoices.filter((i) => i.total > 0)).toEqual([]); // nothing charged today

    await b.autumn.control("/sandbox/clock/advance", { ms: 8 * DAY, customer_id: orgId });
    await syncOrg(orgId);
    const paid = await billingOf(orgId, trialOwner);
    expect(paid.plan).toMatchObject({ planId: "pro", status: "active" });
    expect(paid.invoices.filter((i) => i.total > 0)).toEqual([expect.objectContaining({ planIds: ["pro"], status: "paid", total: 29 })]);
  });

  it("one trial per person: the owner's second org gets no trial (fingerprint from the owner)", async () => {
    const farmer = await b.signUp("fran@example.com", "Fran Farmer");
    const first = await newOrg("Farm One", farmer);
    const second = await newOrg("Farm Two", farmer);
    // Before any trial is used, both orgs would get one.
    expect((await asOwner(second, farmer).action(api.billing.purchase.previewCheckout, { planId: "pro" })).action).toBe("trial");

    await cardOnFile(first);
    expect(await asOwner(first, farmer).action(api.billing.purchase.checkout, { planId: "pro", successUrl: SUCCESS_PATH })).toEqual({ status: "activated" });
    expect((await billingOf(first, farmer)).plan).toMatchObject({ planId: "pro", status: "trialing" });

    const again = await asOwner(second, farmer).action(api.billing.purchase.previewCheckout, { planId: "pro" });
    expect(again.action).not.toBe("trial");
    expect(again).toMatchObject({ total: 29, lines: [{ description: "Pro - Base price", amount: 29 }], requiresRedirect: true });

    // Someone else's org still gets its trial.
    const other = await newOrg("Not A Farm");
    expect(await asOwner(other).action(api.billing.purchase.previewCheckout, { planId: "pro" })).toMatchObject({ action: "trial", total: 0 });
  });
});

describe("add-ons", () => {
  it("credit packs stack on the current plan; without a card the purchase is watched like a checkout", async () => {
    const orgId = await newOrg("Credits Co");
    const preview = await asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId: "credit_pack" });
    expect(preview).toMatchObject({ action: "add_on", total: 10, nextCycle: null, requiresRedirect: true, effectiveAt: null });

    // No card: payment page, and a watcher that counts purchases.
    const res = await asOwner(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS_PATH });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    expect(await watcherOf(orgId, "credit_pack")).toMatchObject({ state: "watching", baselinePurchases: 0 });
    expect((await payCheckout(res.paymentUrl, CARD_OK)).status).toBe(303);
    await runNextTick(orgId, "credit_pack");
    expect(await watcherOf(orgId, "credit_pack")).toMatchObject({ state: "activated" });
    const one = await billingOf(orgId);
    expect(one.plan?.planId).toBe("free");
    expect(one.balances.find((x) => x.featureId === "ai_credits")).toMatchObject({ granted: 500, remaining: 500 });

    // The card is now on file: the second pack is immediate and stacks.
    expect(await asOwner(orgId).action(api.billing.purchase.previewCheckout, { planId: "credit_pack" })).toMatchObject({ action: "add_on", requiresRedirect: false });
    expect(await asOwner(orgId).action(api.billing.purchase.purchaseAddOn, { planId: "credit_pack", successUrl: SUCCESS_PATH })).toEqual({ status: "activated" });
    const two = await billingOf(orgId);
    expect(two.plan?.planId).toBe("free");
    expect(two.balances.find((x) => x.featureId === "ai_credits")).toMatchObject({ granted: 1000, remaining: 1000 });
    expect(two.addOns.filter((a) => a.planId === "credit_pack").reduce((n, a) => n + a.quantity, 0)).toBe(2);
    expect(two.invoices.filter((i) => i.planIds.includes("credit_pack")).map((i) => i.total)).toEqual([10, 10]);

    // A watcher started now would need a third purchase (its baseline is the two already made).
    await b.t.mutation(internal.billing.watcher.startWatcher, { organizationId: orgId, planId: "credit_pack" });
    expect(await watcherOf(orgId, "credit_pack")).toMatchObject({ state: "watching", baselinePurchases: 2 });
    expect((await activation(orgId, "credit_pack")).planActive).toBe(false);
    await runNextTick(orgId, "credit_pack");
    expect(await watcherOf(orgId, "credit_pack")).toMatchObject({ state: "watching", attempt: 1 });
    for (const job of await pendingTicks(orgId)) await b.t.run((ctx) => ctx.scheduler.cancel(job.id));
  });
});

describe("billing portal", () => {
  it("returns the hosted portal URL for the org, with the return address on the app", async () => {
    const orgId = await newOrg("Portal Co");
    const { url } = await asOwner(orgId).action(api.billing.purchase.openBillingPortal, { returnUrl: "/settings/billing" });
    expect(url.startsWith(`${b.autumn.url}/portal/`)).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`href="${SITE}/settings/billing"`);
    expect(html).toContain("Free");
  });
});

describe("Autumn round trips of a checkout", () => {
  it("with a card on file: one attach plus the read-back (customer and its plan eligibility, in parallel) — no provisioning call first", async () => {
    const orgId = await newOrg("Lean Co");
    await cardOnFile(orgId);
    await b.autumn.control("/sandbox/stats/reset");
    expect(await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: "/billing/success" }))
      .toEqual({ status: "activated" });
    expect(await sandboxCalls()).toEqual({ "billing.attach": 1, "customers.get_or_create": 1, "plans.list": 1 });
  });

  it("an org whose Autumn customer is gone is provisioned inside the checkout, with the owner's fingerprint", async () => {
    const orgId = await newOrg("Vanished Co");
    await b.autumn.autumn.customers.delete({ customerId: orgId });
    const result = await asOwner(orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: "/billing/success" });
    expect(result.status).toBe("redirect");
    const customer = await b.autumn.autumn.customers.get({ customerId: orgId });
    expect(customer.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(customer.subscriptions.map((s) => s.planId)).toEqual(["free"]);
  });
});
