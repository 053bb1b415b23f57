// Moving existing paying organizations onto the module: a global admin's
// bulk import attaches each org's plan in Autumn without charging (no
// payment page, no invoice, no trial), caches it at once, is idempotent
// (already_on_plan), reports unknown orgs and plans as failed entries, and
// refuses everyone but global admins before talking to Autumn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { MAX_IMPORT_BATCH } from "./migration";
import { errorCode, errorData, ADMIN_EMAIL, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";
import { authModules } from "../test.setup";
import { withRealDbGet } from "./runtimeIds.helpers";

let b: BillingTest;
let root: TestUser;
let owner: TestUser;
let member: TestUser;
let orgs: { pro: string; team: string; credits: string };

beforeAll(async () => {
  // db.get throws on an undecodable id, as on a real deployment (convex-test returns null).
  b = await startBillingTest({ authModules: withRealDbGet(authModules) });
  await b.t.action(internal.billing.sync.syncPlans, {});
  [root, owner, member] = await Promise.all([
    b.signUp(ADMIN_EMAIL, "Root Admin"),
    b.signUp("legacy@example.com", "Lee Legacy"),
    b.signUp("mia@example.com", "Mia Member"),
  ]);
  orgs = {
    pro: await b.createOrg(owner, "Legacy Pro"),
    team: await b.createOrg(owner, "Legacy Team"),
    credits: await b.createOrg(owner, "Legacy Credits"),
  };
  await b.addMember(owner, orgs.pro, member, "member");
  await b.drainScheduled();
}, 30_000);
afterAll(async () => { await b?.close(); });

const importAs = (who: TestUser | null, entries: Array<{ organizationId: string; planId: string }>) =>
  (who ? b.as(who, who === root ? null : orgs.pro) : b.t).action(api.billing.migration.adminImportCustomers, { entries });
const billingOf = async (orgId: string) => (await b.as(root, null).query(api.billing.admin.adminGetOrgBilling, { organizationId: orgId })).billing;
const sandboxCalls = (): Promise<Record<string, number>> => b.autumnCalls();

describe("adminImportCustomers", () => {
  it("attaches each org's plan without charging, caches it, and reports unknown orgs and plans as failed", async () => {
    const before = await sandboxCalls();
    const results = await importAs(root, [
      { organizationId: orgs.pro, planId: "pro" },
      { organizationId: orgs.team, planId: "team" },
      { organizationId: orgs.credits, planId: "credit_pack" },
      { organizationId: "org_that_does_not_exist", planId: "pro" },
      { organizationId: orgs.credits, planId: "enterprise" },
    ]);
    expect(results).toEqual([
      { organizationId: orgs.pro, planId: "pro", status: "imported", error: null, reason: null },
      { organizationId: orgs.team, planId: "team", status: "imported", error: null, reason: null },
      { organizationId: orgs.credits, planId: "credit_pack", status: "imported", error: null, reason: null },
      { organizationId: "org_that_does_not_exist", planId: "pro", status: "failed", error: { code: "INVALID_ARGUMENT", message: expect.stringContaining("org_that_does_not_exist") }, reason: "invalid_id" },
      { organizationId: orgs.credits, planId: "enterprise", status: "failed", error: { code: "PLAN_NOT_FOUND", message: expect.any(String) }, reason: null },
    ]);
    // The unknown org never reached Autumn; the unknown plan was refused by it.
    const after = await sandboxCalls();
    expect((after["billing.attach"] ?? 0) - (before["billing.attach"] ?? 0)).toBe(4);

    // The cache shows the plans at once; nothing was charged and no trial was started.
    const pro = await billingOf(orgs.pro);
    expect(pro.plan).toMatchObject({ planId: "pro", status: "active", trialEndsAt: null });
    expect(pro.invoices).toEqual([]);
    expect(pro.flags.map((f) => f.featureId)).toEqual(["custom_branding"]);
    const team = await billingOf(orgs.team);
    expect(team.plan).toMatchObject({ planId: "team", status: "active", trialEndsAt: null });
    expect(team.invoices).toEqual([]);
    const credits = await billingOf(orgs.credits);
    expect(credits.plan?.planId).toBe("free");
    expect(credits.addOns).toEqual([expect.objectContaining({ planId: "credit_pack", kind: "purchase", quantity: 1 })]);
    expect(credits.balances.find((x) => x.featureId === "ai_credits")).toMatchObject({ granted: 500 });
    expect(credits.invoices).toEqual([]);

    // No payment page was opened, and Autumn holds no invoice either.
    for (const orgId of Object.values(orgs)) {
      const customer = await b.autumn.autumn.customers.get({ customerId: orgId, expand: ["invoices"] });
      expect(customer.invoices ?? [], orgId).toEqual([]);
    }

    // The owner's billing tab sees the imported plan (members too).
    expect((await b.as(member, orgs.pro).query(api.billing.api.getOrgBilling, {})).billing.plan?.planId).toBe("pro");
  });

  it("is idempotent: a second run reports already_on_plan and attaches nothing", async () => {
    const entries = [
      { organizationId: orgs.pro, planId: "pro" },
      { organizationId: orgs.team, planId: "team" },
      { organizationId: orgs.credits, planId: "credit_pack" },
    ];
    const before = await sandboxCalls();
    const results = await importAs(root, entries);
    expect(results).toEqual(entries.map((e) => ({ ...e, status: "already_on_plan", error: null, reason: null })));
    expect((await sandboxCalls())["billing.attach"]).toBe(before["billing.attach"]);
    expect((await billingOf(orgs.credits)).addOns).toEqual([expect.objectContaining({ planId: "credit_pack", quantity: 1 })]);
    expect((await billingOf(orgs.pro)).plan).toMatchObject({ planId: "pro", status: "active" });
  });

  it("an org whose customer does not exist in Autumn yet is created and imported", async () => {
    const orgId = await b.createOrg(owner, "Legacy Late");
    await b.drainScheduled();
    // Forget the customer in Autumn and in the cache, as if provisioning never happened.
    await b.autumn.autumn.customers.delete({ customerId: orgId });
    await b.t.run(async (ctx) => {
      const row = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique();
      if (row) await ctx.db.delete(row._id);
    });
    expect(await importAs(root, [{ organizationId: orgId, planId: "team" }])).toEqual([{ organizationId: orgId, planId: "team", status: "imported", error: null, reason: null }]);
    expect((await billingOf(orgId)).plan).toMatchObject({ planId: "team", status: "active" });
  });

  it("junk ids in the middle of a batch never abort it: every entry gets its own result, in order", async () => {
    const orgId = await b.createOrg(owner, "Legacy Mixed");
    await b.drainScheduled();
    const results = await importAs(root, [
      { organizationId: "", planId: "pro" },
      { organizationId: "not an id; DROP TABLE", planId: "pro" },
      { organizationId: orgId, planId: "pro" },
      { organizationId: owner.userId, planId: "pro" }, // an id, but of another table
    ]);
    expect(results.map((r) => [r.status, r.error?.code ?? null, r.reason])).toEqual([
      ["failed", "INVALID_ARGUMENT", "invalid_id"],
      ["failed", "INVALID_ARGUMENT", "invalid_id"],
      ["imported", null, null],
      ["failed", "INVALID_ARGUMENT", "invalid_id"],
    ]);
    expect((await billingOf(orgId)).plan).toMatchObject({ planId: "pro", status: "active" });
  });

  it("admin functions taking an organization id refuse junk with INVALID_ARGUMENT {reason: invalid_id}", async () => {
    const admin = b.as(root, null);
    const junk = { organizationId: "junk-id" };
    for (const p of [
      admin.query(api.billing.admin.adminGetOrgBilling, junk),
      admin.action(api.billing.admin.adminSyncCustomer, junk),
      admin.action(api.billing.admin.adminGetFeatureUsage, junk),
    ]) {
      expect(await errorData(p)).toMatchObject({ code: "INVALID_ARGUMENT", reason: "invalid_id" });
    }
  });

  it("refuses non-admins (FORBIDDEN / UNAUTHENTICATED) and oversized batches, before any Autumn call", async () => {
    const before = await sandboxCalls();
    const entries = [{ organizationId: orgs.pro, planId: "team" }];
    expect(await errorCode(importAs(owner, entries))).toBe("FORBIDDEN");
    expect(await errorCode(importAs(member, entries))).toBe("FORBIDDEN");
    expect(await errorCode(importAs(null, entries))).toBe("UNAUTHENTICATED");
    const tooMany = Array.from({ length: MAX_IMPORT_BATCH + 1 }, () => ({ organizationId: orgs.pro, planId: "pro" }));
    expect(await errorCode(importAs(root, tooMany))).toBe("INVALID_ARGUMENT");
    expect(await sandboxCalls()).toEqual(before);
    expect((await billingOf(orgs.pro)).plan?.planId).toBe("pro");
  });
});
