// Keeping the cache true: the catalog (features + plans) and each
// organization's customer are mirrored from Autumn (the local sandbox, real
// autumn-js, nothing mocked). Catalog changes follow on the next sync, a
// failed sync prunes nothing and is recorded, and customer syncs write a
// snapshot plus an idempotent subscription history.
import { resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { loadCatalog } from "../../packages/autumn-sandbox/src/seed";
import { REPO_ROOT } from "../../packages/autumn-sandbox/src/testing";
import type { CatalogBody } from "../../packages/autumn-sandbox/src/catalog";
import { ADMIN_EMAIL, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";
import type { CustomerRow } from "./schema";

const DAY = 86_400_000;

let b: BillingTest;
let admin: TestUser;
/** The catalog exactly as autumn.config.ts defines it (what the sandbox was seeded with). */
let baseCatalog: CatalogBody;

beforeAll(async () => {
  b = await startBillingTest();
  baseCatalog = await loadCatalog(resolve(REPO_ROOT, "autumn.config.ts"));
  admin = await b.signUp(ADMIN_EMAIL, "Root Admin");
});
afterAll(async () => { await b.close(); });
afterEach(async () => { await b.autumn.control("/sandbox/faults", undefined, "DELETE"); });

const syncPlans = () => b.t.action(internal.billing.sync.syncPlans, {});
const syncCustomer = (organizationId: string) => b.t.action(internal.billing.sync.syncCustomer, { organizationId });
const asAdmin = () => b.as(admin, null);

async function cachedPlans(): Promise<Array<Doc<"billingPlans">>> {
  return b.t.run((ctx) => ctx.db.query("billingPlans").collect());
}
async function cachedFeatures(): Promise<Array<Doc<"billingFeatures">>> {
  return b.t.run((ctx) => ctx.db.query("billingFeatures").collect());
}
async function cachedPlan(planId: string): Promise<Doc<"billingPlans"> | null> {
  return b.t.run((ctx) => ctx.db.query("billingPlans").withIndex("by_planId", (q) => q.eq("planId", planId)).unique());
}
async function customerDoc(organizationId: string): Promise<Doc<"billingCustomers"> | null> {
  return b.t.run((ctx) => ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique());
}
/** The org's history in the order it was written, as [planId, change]. */
async function history(organizationId: string): Promise<Array<[string, string]>> {
  const rows = await b.t.run((ctx) => ctx.db.query("billingSubscriptionHistory")
    .withIndex("by_organizationId_at", (q) => q.eq("organizationId", organizationId)).collect());
  return rows.sort((x, y) => x.at - y.at || x._creationTime - y._creationTime).map((h) => [h.planId, h.change]);
}
async function stats(): Promise<Record<string, number>> {
  return ((await b.autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> }).calls;
}
/** Replace the whole sandbox catalog (atmn push semantics): removed plans are archived if in use, else deleted. */
async function pushCatalog(body: CatalogBody): Promise<void> {
  const res = await b.autumn.rpc("catalog.update", { ...body, skip_deletions: false });
  expect(res.status).toBe(200);
}

describe("syncPlans mirrors the catalog", () => {
  it("caches every feature and plan, with plan items enriched from the feature catalog, prices, trial and pricing order", async () => {
    const result = await syncPlans();
    expect(result).toEqual({ ok: true, features: 6, plans: 4, pruned: 0, error: null });

    const features = await cachedFeatures();
    expect(features.map((f) => f.featureId).sort()).toEqual(
      ["ai_credits", "custom_branding", "premium_messages", "priority_support", "seats", "standard_messages"]);
    expect(features.find((f) => f.featureId === "ai_credits")).toMatchObject({
      name: "AI credits",
      type: "credit_system",
      creditSchema: [{ meteredFeatureId: "standard_messages", creditCost: 1 }, { meteredFeatureId: "premium_messages", creditCost: 5 }],
      archived: false,
    });
    expect(features.find((f) => f.featureId === "seats")).toMatchObject({ type: "metered", consumable: false });
    expect(features.find((f) => f.featureId === "standard_messages")).toMatchObject({ type: "metered", consumable: true });

    const pro = await cachedPlan("pro");
    expect(pro).toMatchObject({
      name: "Pro",
      group: "main",
      addOn: false,
      autoEnable: false,
      archived: false,
      price: { amount: 29, currency: "usd", interval: "month", intervalCount: 1, additionalCurrencies: [{ currency: "brl", amount: 87 }] },
      freeTrial: { durationLength: 7, durationType: "day", cardRequired: true },
    });
    const item = (id: string) => pro?.items.find((i) => i.featureId === id);
    expect(item("custom_branding")).toMatchObject({ featureName: "Custom branding", featureType: "boolean", consumable: false, price: null });
    expect(item("standard_messages")).toMatchObject({
      featureName: "Standard messages", featureType: "metered", consumable: true, included: 1000, unlimited: false,
      reset: { interval: "month", intervalCount: 1 },
    });
    expect(item("seats")).toMatchObject({ featureName: "Seats", consumable: false, included: 5, reset: null });
    expect(item("standard_messages")?.display).toEqual({ singular: "standard messages", plural: "standard messages" });

    const team = await cachedPlan("team");
    expect(team?.price?.additionalCurrencies).toEqual([{ currency: "brl", amount: 297 }]);
    expect(team?.freeTrial).toBeNull();
    expect(team?.items.find((i) => i.featureId === "standard_messages")).toMatchObject({ unlimited: true });
    expect(team?.items.find((i) => i.featureId === "premium_messages")?.price).toEqual({
      amount: 0.02, interval: "month", billingMethod: "usage_based", billingUnits: 1, maxPurchase: null,
    });
    expect(await cachedPlan("free")).toMatchObject({ autoEnable: true, price: null, freeTrial: null });
    expect(await cachedPlan("credit_pack")).toMatchObject({
      addOn: true,
      price: { amount: 10, interval: "one_off", additionalCurrencies: [{ currency: "brl", amount: 30 }] },
      items: [expect.objectContaining({ featureId: "ai_credits", featureType: "credit_system", included: 500, reset: null })],
    });

    const bySort = [...await cachedPlans()].sort((x, y) => x.sortKey - y.sortKey).map((p) => p.planId);
    expect(bySort).toEqual(["free", "pro", "team", "credit_pack"]);

    const { lastSync } = await asAdmin().query(api.billing.admin.adminListAllPlans, {});
    expect(lastSync).toMatchObject({ kind: "plans", ok: true, error: null, features: 6, plans: 4, pruned: 0 });
  });

  it("running it again changes nothing but the sync time", async () => {
    const before = await cachedPlans();
    expect(await syncPlans()).toMatchObject({ ok: true, pruned: 0 });
    const after = await cachedPlans();
    const content = (rows: Array<Doc<"billingPlans">>) => rows.map(({ syncedAt: _s, ...rest }) => rest);
    expect(content(after)).toEqual(content(before));
  });
});

describe("catalog changes follow on the next sync", () => {
  it("an added plan appears; a plan removed while in use stays cached as archived; removed unused plans and features are pruned", async () => {
    await b.autumn.autumn.features.create({ featureId: "beta_widgets", name: "Beta widgets", type: "metered", consumable: true });
    await b.autumn.autumn.plans.create({
      planId: "enterprise", name: "Enterprise", group: "main",
      price: { amount: 299, interval: "month" },
      items: [{ featureId: "standard_messages", unlimited: true }, { featureId: "seats", included: 100 }],
    });
    await b.autumn.autumn.plans.create({
      planId: "legacy", name: "Legacy", group: "main",
      price: { amount: 5, interval: "month" },
      items: [{ featureId: "standard_messages", included: 10, reset: { interval: "month" } }],
    });
    await b.autumn.autumn.plans.create({
      planId: "scratch", name: "Scratch", group: "scratch",
      price: { amount: 1, interval: "month" },
      items: [{ featureId: "beta_widgets", included: 5 }],
    });

    expect(await syncPlans()).toMatchObject({ ok: true, features: 7, plans: 7, pruned: 0 });
    expect((await cachedFeatures()).map((f) => f.featureId)).toContain("beta_widgets");
    expect(await cachedPlan("scratch")).toMatchObject({
      group: "scratch", items: [expect.objectContaining({ featureId: "beta_widgets", featureName: "Beta widgets", featureType: "metered" })],
    });
    const owner = await b.signUp("cathy@example.com", "Cathy Catalog");
    const orgId = await b.createOrg(owner, "Catalog Co");
    await b.drainScheduled();
    const listed = await b.as(owner, orgId).query(api.billing.api.listPlans, {});
    expect(listed.map((p) => p.planId)).toEqual(["free", "scratch", "legacy", "pro", "team", "enterprise", "credit_pack"]);

    // A customer keeps "legacy", so removing it from the catalog archives it; the rest are unused and deleted.
    await b.autumn.autumn.customers.getOrCreate({ customerId: "cus_on_legacy" });
    await b.autumn.autumn.billing.attach({ customerId: "cus_on_legacy", planId: "legacy", noBillingChanges: true });
    await pushCatalog(baseCatalog);
    const sandboxPlans = await b.autumn.autumn.plans.list({ includeArchived: true });
    expect(sandboxPlans.list.map((p) => [p.id, p.archived]).sort()).toEqual(
      [["credit_pack", false], ["free", false], ["legacy", true], ["pro", false], ["team", false]]);

    // Pruned: enterprise, scratch (plans) and beta_widgets (feature).
    expect(await syncPlans()).toEqual({ ok: true, features: 6, plans: 5, pruned: 3, error: null });
    expect(await cachedPlan("enterprise")).toBeNull();
    expect(await cachedPlan("scratch")).toBeNull();
    expect((await cachedFeatures()).map((f) => f.featureId)).not.toContain("beta_widgets");
    expect(await cachedPlan("legacy")).toMatchObject({ archived: true, name: "Legacy" });

    const active = await b.as(owner, orgId).query(api.billing.api.listPlans, {});
    expect(active.map((p) => p.planId)).toEqual(["free", "pro", "team", "credit_pack"]);
    const all = await asAdmin().query(api.billing.admin.adminListAllPlans, {});
    expect(all.plans.map((p) => [p.planId, p.archived])).toEqual(
      [["free", false], ["pro", false], ["team", false], ["credit_pack", false], ["legacy", true]]);
    expect(all.lastSync).toMatchObject({ ok: true, plans: 5, features: 6, pruned: 3 });
  });
});

describe("a failed sync changes nothing and is recorded", () => {
  it("plans.list failing (features.list fine) prunes nothing, changes nothing, and records AUTUMN_UNAVAILABLE", async () => {
    // Make a change that a successful sync WOULD apply: a new plan, then removed again (and renamed pro).
    await b.autumn.autumn.plans.create({ planId: "doomed", name: "Doomed", group: "side", price: { amount: 3, interval: "month" } });
    expect(await syncPlans()).toMatchObject({ ok: true });
    expect(await cachedPlan("doomed")).not.toBeNull();
    await pushCatalog({
      ...baseCatalog,
      plans: baseCatalog.plans.map((p) => (p.plan_id === "pro" ? { ...p, name: "Pro (renamed)" } : p)),
    });

    const plansBefore = await cachedPlans();
    const featuresBefore = await cachedFeatures();
    const runsBefore = await b.t.run((ctx) => ctx.db.query("billingSyncRuns").collect());
    await b.autumn.control("/sandbox/stats/reset");
    await b.autumn.control("/sandbox/faults", { route: "plans.list", mode: "error", status: 500, count: 100 });

    const result = await syncPlans();
    expect(result).toMatchObject({ ok: false, features: 0, plans: 0, pruned: 0, error: { code: "AUTUMN_UNAVAILABLE" } });
    const calls = await stats();
    expect(calls["features.list"]).toBeGreaterThanOrEqual(1); // the features half succeeded…
    expect(calls["plans.list"]).toBe(4); // …the plans half failed on every retry

    expect(await cachedPlans()).toEqual(plansBefore);
    expect(await cachedFeatures()).toEqual(featuresBefore);
    expect(await cachedPlan("doomed")).not.toBeNull();
    expect((await cachedPlan("pro"))?.name).toBe("Pro");

    const runs = await b.t.run((ctx) => ctx.db.query("billingSyncRuns").withIndex("by_kind_startedAt", (q) => q.eq("kind", "plans")).order("desc").collect());
    expect(runs).toHaveLength(runsBefore.length + 1);
    expect(runs[0]).toMatchObject({ ok: false, error: { code: "AUTUMN_UNAVAILABLE" }, features: 0, plans: 0, pruned: 0 });
    const { lastSync, plans } = await asAdmin().query(api.billing.admin.adminListAllPlans, {});
    expect(lastSync).toMatchObject({ kind: "plans", ok: false, error: { code: "AUTUMN_UNAVAILABLE" } });
    expect(lastSync?.error?.message).toMatch(/plans\.list/);
    expect(plans.map((p) => p.planId)).toContain("doomed");

    // Once Autumn is back, the pending changes land.
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    expect(await syncPlans()).toMatchObject({ ok: true, pruned: 1 });
    expect(await cachedPlan("doomed")).toBeNull();
    expect((await cachedPlan("pro"))?.name).toBe("Pro (renamed)");
    expect((await asAdmin().query(api.billing.admin.adminListAllPlans, {})).lastSync).toMatchObject({ ok: true, error: null });
    await pushCatalog(baseCatalog);
    await syncPlans();
  });
});

describe("syncCustomer", () => {
  let owner: TestUser;
  let orgId: string;
  beforeAll(async () => {
    owner = await b.signUp("hana@example.com", "Hana History");
    orgId = await b.createOrg(owner, "History Co");
    await b.drainScheduled();
  });

  it("writes the snapshot and a history entry for every plan change, idempotently", async () => {
    const first = await customerDoc(orgId);
    expect(first).toMatchObject({
      organizationId: orgId, customerId: orgId, name: "History Co", email: "hana@example.com", lastSyncError: null,
      subscriptions: [expect.objectContaining({ planId: "free", planName: "Free", status: "active" })],
    });
    expect(first?.balances.map((x) => x.featureId)).toEqual(["seats", "standard_messages"]);
    expect(await history(orgId)).toEqual([["free", "activated"]]);

    // Upgrade.
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "pro", noBillingChanges: true });
    expect(await syncCustomer(orgId)).toEqual({ ok: true, error: null });
    const onPro = await customerDoc(orgId);
    expect(onPro?.subscriptions.map((s) => s.planId)).toEqual(["pro"]);
    expect(onPro?.flags.map((f) => f.featureId)).toEqual(["custom_branding"]);
    expect(onPro?.balances.find((x) => x.featureId === "standard_messages")).toMatchObject({ granted: 1000, remaining: 1000 });
    expect(await history(orgId)).toEqual([["free", "activated"], ["pro", "activated"], ["free", "expired"]]);

    // The same state synced again: no new history.
    await syncCustomer(orgId);
    await syncCustomer(orgId);
    expect(await history(orgId)).toHaveLength(3);

    // Cancel at the end of the cycle, then uncancel.
    await b.autumn.autumn.billing.update({ customerId: orgId, planId: "pro", cancelAction: "cancel_end_of_cycle" });
    await syncCustomer(orgId);
    expect((await customerDoc(orgId))?.subscriptions[0]?.canceledAt).not.toBeNull();
    await syncCustomer(orgId);
    expect((await history(orgId)).slice(3)).toEqual([["pro", "canceled"]]);
    await b.autumn.autumn.billing.update({ customerId: orgId, planId: "pro", cancelAction: "uncancel" });
    await syncCustomer(orgId);
    expect((await history(orgId)).slice(4)).toEqual([["pro", "uncanceled"]]);

    // Cancel again and let the period end: pro expires, free returns.
    await b.autumn.autumn.billing.update({ customerId: orgId, planId: "pro", cancelAction: "cancel_end_of_cycle" });
    await syncCustomer(orgId);
    await b.autumn.control("/sandbox/clock/advance", { ms: 40 * DAY, customer_id: orgId });
    await syncCustomer(orgId);
    await syncCustomer(orgId);
    expect((await history(orgId)).slice(5)).toEqual([["pro", "canceled"], ["free", "activated"], ["pro", "expired"]]);
    expect((await customerDoc(orgId))?.subscriptions.map((s) => [s.planId, s.status])).toEqual([["free", "active"]]);

    // The admin page shows the same history, newest first.
    const { billing, history: shown } = await asAdmin().query(api.billing.admin.adminGetOrgBilling, { organizationId: orgId });
    expect(billing.plan).toMatchObject({ planId: "free", status: "active" });
    expect(shown).toHaveLength(8);
    expect(shown[shown.length - 1]).toMatchObject({ planId: "free", change: "activated", organizationId: orgId });
    expect(shown.map((h) => h.at)).toEqual([...shown.map((h) => h.at)].sort((x, y) => y - x));
  });

  it("a scheduled downgrade records the switch as scheduled (not a cancel), then activated + expired when it takes effect", async () => {
    const id = "org_downgrade_history";
    await syncCustomer(id);
    await b.autumn.autumn.billing.attach({ customerId: id, planId: "team", noBillingChanges: true });
    await syncCustomer(id);
    expect(await history(id)).toEqual([["free", "activated"], ["team", "activated"], ["free", "expired"]]);
    await b.autumn.autumn.billing.attach({ customerId: id, planId: "pro", noBillingChanges: true });
    await syncCustomer(id);
    expect((await history(id)).slice(3)).toEqual([["pro", "scheduled"]]);
    // "Keep current plan" drops the switch: team is uncanceled; pro never ran, so it did not expire.
    await b.autumn.autumn.billing.update({ customerId: id, planId: "team", cancelAction: "uncancel" });
    await syncCustomer(id);
    expect((await history(id)).slice(4)).toEqual([["team", "uncanceled"]]);
    await b.autumn.autumn.billing.attach({ customerId: id, planId: "pro", noBillingChanges: true });
    await syncCustomer(id);
    expect((await history(id)).slice(5)).toEqual([["pro", "scheduled"]]);
    await b.autumn.control("/sandbox/clock/advance", { ms: 40 * DAY, customer_id: id });
    await syncCustomer(id);
    // Not "pro expired": the scheduled pro started, it did not end.
    expect((await history(id)).slice(6)).toEqual([["pro", "activated"], ["team", "expired"]]);
  });

  it("an older snapshot applied after a newer one is ignored", async () => {
    const current = await customerDoc(orgId);
    if (!current) throw new Error("no customer row");
    const { _id, _creationTime, ...row } = current;
    const stale: CustomerRow = {
      ...row,
      syncedAt: row.syncedAt - 60_000,
      subscriptions: [{ ...row.subscriptions[0]!, subscriptionId: "sub_stale", planId: "team", planName: "Team" }],
      balances: [],
    };
    const historyBefore = await history(orgId);
    expect(await b.t.mutation(internal.billing.sync.applyCustomerSync, { row: stale })).toBe(false);
    expect(await customerDoc(orgId)).toEqual(current);
    expect(await history(orgId)).toEqual(historyBefore);

    // A newer one is applied.
    const newer: CustomerRow = { ...row, syncedAt: row.syncedAt + 1, name: "Renamed" };
    expect(await b.t.mutation(internal.billing.sync.applyCustomerSync, { row: newer })).toBe(true);
    expect((await customerDoc(orgId))?.name).toBe("Renamed");
    expect(await history(orgId)).toEqual(historyBefore);
    await syncCustomer(orgId);
  });

  it("a failed sync records lastSyncError on the row and keeps the old data; the next good sync clears it", async () => {
    await b.autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 7 });
    const before = await customerDoc(orgId);
    if (!before) throw new Error("no customer row");
    await b.autumn.control("/sandbox/faults", { route: "customers.get_or_create", mode: "error", status: 500, count: 100 });

    const result = await syncCustomer(orgId);
    expect(result).toMatchObject({ ok: false, error: { code: "AUTUMN_UNAVAILABLE" } });
    const after = await customerDoc(orgId);
    expect(after?.lastSyncError).toMatchObject({ code: "AUTUMN_UNAVAILABLE", message: expect.stringMatching(/customers\.get_or_create/) });
    expect(after?.lastSyncError?.at).toBeGreaterThanOrEqual(before.syncedAt);
    expect(after).toEqual({ ...before, lastSyncError: after?.lastSyncError });
    const { billing } = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(billing.lastSyncError?.code).toBe("AUTUMN_UNAVAILABLE");
    expect(billing.balances.find((x) => x.featureId === "standard_messages")?.usage).toBe(0);

    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    expect(await syncCustomer(orgId)).toEqual({ ok: true, error: null });
    const healed = await customerDoc(orgId);
    expect(healed?.lastSyncError).toBeNull();
    expect(healed?.balances.find((x) => x.featureId === "standard_messages")).toMatchObject({ usage: 7, remaining: 43 });
  });

  it("a failed first sync of an unknown org writes no row", async () => {
    await b.autumn.control("/sandbox/faults", { route: "customers.get_or_create", mode: "error", status: 500, count: 100 });
    expect(await syncCustomer("org_never_seen")).toMatchObject({ ok: false, error: { code: "AUTUMN_UNAVAILABLE" } });
    expect(await customerDoc("org_never_seen")).toBeNull();
  });
});
