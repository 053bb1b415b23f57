// The example's own suite: a Convex app with custom-JWT identities and its
// own orgs table runs the adopted billing module against the offline Autumn
// sandbox — org created → provisioned (free), roles mapped by the host,
// checkout to a paid plan, and metered work through withMeteredUsage.
import { convexTest } from "convex-test";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payCheckout, startTestSandbox, type TestSandbox } from "../../../packages/autumn-sandbox/src/testing";
import { api, internal } from "./_generated/api";
import schema from "./schema";
import { modules } from "./test.setup";

const KEY = "am_sk_test_minimal";
const SITE = "http://127.0.0.1:3299";
let autumn: TestSandbox;
// One convex-test instance for the file: ids restart per instance, and Autumn (one sandbox) refuses a
// second org claiming the same customer id (the module's tenant guard).
let app: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  autumn = await startTestSandbox({ keys: [KEY] });
  process.env.AUTUMN_SANDBOX_URL = autumn.url;
  process.env.AUTUMN_SECRET_KEY = KEY;
  process.env.SITE_URL = SITE;
  app = await setup();
}, 30_000);
afterAll(async () => { await autumn?.close(); });

function codeOf(err: unknown): string | null {
  return err instanceof ConvexError && typeof err.data === "object" && err.data !== null ? String((err.data as { code?: unknown }).code) : null;
}
async function failure(p: Promise<unknown>): Promise<string | null> {
  try { await p; return null; } catch (err) { return codeOf(err); }
}

async function setup() {
  const t = convexTest(schema, modules);
  const ids = await t.run(async (ctx) => ({
    ada: await ctx.db.insert("users", { subject: "ada", name: "Ada", email: "ada@minimal.example", isAdmin: false }),
    bob: await ctx.db.insert("users", { subject: "bob", name: "Bob", email: "bob@minimal.example", isAdmin: false }),
  }));
  const as = (subject: string, org: string | null) => t.withIdentity({ subject, ...(org ? { org } : {}) });
  async function drain(until: () => Promise<boolean>) {
    // convex-test's scheduler on real timers: run every due job (and what those schedule) to the end.
    for (let i = 0; i < 50 && !(await until()); i++) await t.finishAllScheduledFunctions(() => {});
    expect(await until()).toBe(true);
  }
  async function newOrg(name: string) {
    const orgId = await as("ada", null).mutation(api.orgs.create, { name });
    await t.run(async (ctx) => { await ctx.db.insert("memberships", { orgId, userId: ids.bob, role: "viewer" }); });
    await drain(async () => (await as("ada", orgId).query(api.billing.api.getOrgBilling, {})).billing.provisioned);
    return orgId;
  }
  return { t, as, newOrg };
}

describe("examples/minimal adopts the billing module", () => {
  it("an org created in the app's own table is provisioned on the free plan; the host's roles decide who manages billing", async () => {
    const { as, newOrg } = app;
    const orgId = await newOrg("Minimal Co");
    const asAdmin = await as("ada", orgId).query(api.billing.api.getOrgBilling, {});
    expect({ plan: asAdmin.billing.plan?.planId, role: asAdmin.role, canManage: asAdmin.canManage }).toEqual({ plan: "free", role: "admin", canManage: true });
    const asViewer = await as("bob", orgId).query(api.billing.api.getOrgBilling, {});
    expect({ role: asViewer.role, canManage: asViewer.canManage }).toEqual({ role: "viewer", canManage: false });
    expect(await failure(as("bob", orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: "/billing/success" }))).toBe("FORBIDDEN");
    expect(await failure(as("carol", orgId).query(api.billing.api.getOrgBilling, {}))).toBe("UNAUTHENTICATED");
    // Autumn knows the org by its id in the app's table, with the admin's email for receipts.
    const customer = await autumn.autumn.customers.getOrCreate({ customerId: orgId });
    expect({ name: customer.name, email: customer.email }).toEqual({ name: "Minimal Co", email: "ada@minimal.example" });
  });

  it("checkout: the admin pays on Autumn's page and the org is on the paid plan", async () => {
    const { t, as, newOrg } = app;
    const orgId = await newOrg("Paying Co");
    const res = await as("ada", orgId).action(api.billing.purchase.checkout, { planId: "pro", successUrl: "/billing/success" });
    if (res.status !== "redirect") throw new Error(`expected a payment page, got ${res.status}`);
    expect((await payCheckout(res.paymentUrl, "4242 4242 4242 4242")).status).toBe(303);
    await autumn.control("/sandbox/checkouts/settle");
    await t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    const billing = (await as("bob", orgId).query(api.billing.api.getOrgBilling, {})).billing;
    expect(billing.plan?.planId).toBe("pro");
    // Cancel the watcher's pending re-syncs (they would run after the test).
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
  });

  it("metered work through withMeteredUsage: counted once per request, refused at the plan's limit with the work not run", async () => {
    const { t, as, newOrg } = app;
    const orgId = await newOrg("Metered Co");
    const viewer = as("bob", orgId);
    expect(await viewer.action(api.summaries.summarize, { text: "one two three four five six", requestId: "r1" })).toBe("one two three four five");
    await viewer.action(api.summaries.summarize, { text: "again", requestId: "r2" });
    // A retried request is neither run nor counted again: CONFLICT {duplicate: true}.
    expect(await failure(viewer.action(api.summaries.summarize, { text: "again", requestId: "r2" }))).toBe("CONFLICT");
    const check = await viewer.query(api.billing.api.checkFeature, { featureId: "standard_messages" });
    expect({ allowed: check.allowed, balance: check.balance }).toEqual({ allowed: true, balance: 48 });
    // Use up the free plan's 50, then the next summary is refused and nothing is saved.
    await autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 48 });
    await t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    expect((await viewer.query(api.billing.api.checkFeature, { featureId: "standard_messages" })).allowed).toBe(false);
    expect(await failure(viewer.action(api.summaries.summarize, { text: "one more", requestId: "r3" }))).toBe("QUOTA_EXCEEDED");
    expect(await viewer.query(api.summaries.list, {})).toHaveLength(2);
    // The module's crons point at functions the adopted module has.
    const crons = (await import("./crons")).default;
    expect(Object.keys(crons.crons)).toContain("billing reservations sweep");
  });
});
