// Tenant guard (ownership.ts): two deployments share one Autumn account (one
// sandbox). Deployment B must never adopt a customer that deployment A made,
// even when B's organization has the very same id, on any sync path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convexTest } from "convex-test";
import { api, internal } from "../_generated/api";
import schema from "../schema";
import authSchema from "../betterAuth/schema";
import { authModules, modules } from "../test.setup";
import { OWNER_DEPLOYMENT_KEY, OWNER_ORG_KEY, ownershipOf } from "./ownership";
import { errorCode, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest; // deployment B: the harness (its own Convex, the shared sandbox)
let a: ReturnType<typeof convexTest>; // deployment A: another Convex on the same Autumn account
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.syncCatalog();
  a = convexTest({ schema, modules });
  a.registerComponent("betterAuth", authSchema, authModules);
  owner = await b.signUp("tenant@example.com", "Tina Tenant");
});
afterAll(async () => { await b.close(); });

const deploymentIdOf = async (t: { run: BillingTest["t"]["run"] }) =>
  (await t.run((ctx) => ctx.db.query("billingDeployment").first()))?.deploymentId;
const metadataOf = async (id: string) => (await b.autumn.autumn.customers.get({ customerId: id })).metadata as Record<string, unknown>;

describe("ownership marker", () => {
  it("provisioning writes the org id and this deployment's id into the customer's metadata", async () => {
    const orgId = await b.createProvisionedOrg(owner, "Marked Co");
    const deploymentId = await deploymentIdOf(b.t);
    expect(deploymentId).toMatch(/^dep_[0-9a-f]{32}$/);
    expect(await metadataOf(orgId)).toMatchObject({ [OWNER_ORG_KEY]: orgId, [OWNER_DEPLOYMENT_KEY]: deploymentId });
  });

  it("ownershipOf: ours, unmarked, another org, another deployment", () => {
    const marker = { organizationId: "org1", deploymentId: "dep_a" };
    expect(ownershipOf({ [OWNER_ORG_KEY]: "org1", [OWNER_DEPLOYMENT_KEY]: "dep_a" }, marker)).toEqual({ kind: "ours" });
    expect(ownershipOf({}, marker)).toEqual({ kind: "unmarked" });
    expect(ownershipOf(null, marker)).toEqual({ kind: "unmarked" });
    expect(ownershipOf({ [OWNER_ORG_KEY]: "org2", [OWNER_DEPLOYMENT_KEY]: "dep_a" }, marker)).toEqual({ kind: "foreign", organizationId: "org2", deploymentId: "dep_a" });
    expect(ownershipOf({ [OWNER_ORG_KEY]: "org1", [OWNER_DEPLOYMENT_KEY]: "dep_b" }, marker)).toEqual({ kind: "foreign", organizationId: "org1", deploymentId: "dep_b" });
  });
});

describe("the leak scenario: an org whose id is another deployment's paying customer", () => {
  let orgId: string;
  beforeAll(async () => {
    // B creates an org; before its provisioning runs, deployment A has a paying customer with that id.
    orgId = await b.createOrg(owner, "Forged Co");
    await a.action(internal.billing.provisioning.provisionOrganization, { organizationId: orgId });
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "pro", noBillingChanges: true });
    expect((await metadataOf(orgId))[OWNER_DEPLOYMENT_KEY]).toBe(await deploymentIdOf(a));
    await b.drainScheduled(); // B's org-created provisioning
  });

  it("provisioning refuses it: no cache row, never the other tenant's plan", async () => {
    const { billing } = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(billing.provisioned).toBe(false);
    expect(billing.plan).toBeNull();
  });

  it("lazy ensureBilling says CUSTOMER_OWNERSHIP_MISMATCH", async () => {
    const r = await b.as(owner, orgId).action(api.billing.api.ensureBilling, {});
    expect(r).toMatchObject({ ok: false, error: { code: "CUSTOMER_OWNERSHIP_MISMATCH" } });
  });

  it("live usage, webhook refresh and admin re-sync refuse it too; the cache stays untouched", async () => {
    expect(await errorCode(b.as(owner, orgId).action(api.billing.api.getFeatureUsage, {}))).toBe("CUSTOMER_OWNERSHIP_MISMATCH");
    expect(await b.t.action(internal.billing.webhook.refreshCustomer, { organizationId: orgId }))
      .toMatchObject({ ok: false, error: { code: "CUSTOMER_OWNERSHIP_MISMATCH" } });
    expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId }))
      .toMatchObject({ ok: false, error: { code: "CUSTOMER_OWNERSHIP_MISMATCH" } });
    const rows = await b.t.run((ctx) => ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).collect());
    expect(rows).toEqual([]);
    // The other tenant's customer was not touched either.
    expect((await metadataOf(orgId))[OWNER_DEPLOYMENT_KEY]).toBe(await deploymentIdOf(a));
  });

  it("checkout, preview, cancel, uncancel and the portal refuse it before any write: the other tenant keeps its plan and gets no new one", async () => {
    const before = await b.autumn.autumn.customers.get({ customerId: orgId });
    const me = b.as(owner, orgId);
    expect(await errorCode(me.action(api.billing.purchase.checkout, { planId: "team", successUrl: "/billing/success" }))).toBe("CUSTOMER_OWNERSHIP_MISMATCH");
    expect(await errorCode(me.action(api.billing.purchase.previewCheckout, { planId: "team" }))).toBe("CUSTOMER_OWNERSHIP_MISMATCH");
    expect(await errorCode(me.action(api.billing.purchase.cancelSubscription, { planId: "pro" }))).toBe("CUSTOMER_OWNERSHIP_MISMATCH");
    expect(await errorCode(me.action(api.billing.purchase.uncancelSubscription, { planId: "pro" }))).toBe("CUSTOMER_OWNERSHIP_MISMATCH");
    expect(await errorCode(me.action(api.billing.purchase.openBillingPortal, { returnUrl: "/settings/billing" }))).toBe("CUSTOMER_OWNERSHIP_MISMATCH");
    const after = await b.autumn.autumn.customers.get({ customerId: orgId });
    expect(after.subscriptions.map((s) => [s.planId, s.status, s.canceledAt])).toEqual(before.subscriptions.map((s) => [s.planId, s.status, s.canceledAt]));
  });

  it("the admin org page shows the conflict", async () => {
    const admin = await b.signUp("root@example.com", "Root");
    const { billing } = await b.as(admin, null).query(api.billing.admin.adminGetOrgBilling, { organizationId: orgId });
    expect(billing.provisioned).toBe(false);
    expect(billing.lastSyncError).toMatchObject({ code: "CUSTOMER_OWNERSHIP_MISMATCH" });
    expect(billing.lastSyncError?.message).toMatch(/another deployment/);
  });
});

describe("existing rows", () => {
  it("a cached org whose customer is re-marked for another deployment keeps its cache on webhook, sync and reconcile", async () => {
    const orgId = await b.createProvisionedOrg(owner, "Cached Co");
    const before = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(before.billing.plan?.planId).toBe("free");
    await b.autumn.autumn.customers.update({ customerId: orgId, metadata: { [OWNER_DEPLOYMENT_KEY]: "dep_someone_else" } });
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "pro", noBillingChanges: true });

    expect(await b.t.action(internal.billing.webhook.refreshCustomer, { organizationId: orgId })).toMatchObject({ error: { code: "CUSTOMER_OWNERSHIP_MISMATCH" } });
    expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId })).toMatchObject({ error: { code: "CUSTOMER_OWNERSHIP_MISMATCH" } });
    await b.t.mutation(internal.billing.reconcile.start, { pageDelayMs: 0 });
    for (let i = 0; i < 5; i++) await b.drainScheduled();
    const after = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(after.billing.plan?.planId).toBe("free");
  });

  it("a customer made before markers existed is adopted by the org that caches it, and stamped", async () => {
    const orgId = await b.createProvisionedOrg(owner, "Legacy Co");
    await b.autumn.autumn.customers.update({ customerId: orgId, metadata: { [OWNER_ORG_KEY]: null, [OWNER_DEPLOYMENT_KEY]: null } });
    expect(ownershipOf(await metadataOf(orgId), { organizationId: orgId, deploymentId: "x" })).toEqual({ kind: "unmarked" });
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "pro", noBillingChanges: true });
    expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId })).toEqual({ ok: true, error: null });
    expect((await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {})).billing.plan?.planId).toBe("pro");
    expect(await metadataOf(orgId)).toMatchObject({ [OWNER_ORG_KEY]: orgId, [OWNER_DEPLOYMENT_KEY]: await deploymentIdOf(b.t) });
  });
});
