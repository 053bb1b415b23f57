/// <reference types="vite/client" />
// Authorization matrix for the billing module: every public function in
// convex/billing (api.ts, admin.ts, purchase.ts, watcher.ts, migration.ts,
// metering.ts, controlsApi.ts, invoices.ts, notifications.ts, outbox.ts,
// topups.ts, and whatever module adds one next: the coverage check finds
// them all), called by every kind of caller, with the exact outcome each
// cell must produce ("allowed" or the typed error code). Plus: admin
// functions refuse before talking to Autumn, no org-scoped function takes an
// organization id, and global admins can read and list any organization.
import type { FunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";
import { billingErrorCode, type BillingErrorCode } from "./errors";
import { notify } from "./notifications";
import { ADMIN_EMAIL, SITE, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

/** Every deployable module of convex/billing (multi-dot files — tests, helpers — are never deployed). */
const BILLING_MODULES = import.meta.glob<Record<string, unknown>>(["./*.ts", "!./*.*.ts"], { eager: true });

// ── callers ────────────────────────────────────────────────────────────────

const CALLERS = ["unauthenticated", "noActiveOrg", "nonMember", "member", "admin", "owner", "globalAdmin"] as const;
type CallerKind = (typeof CALLERS)[number];

const CALLER_DESCRIPTIONS: Record<CallerKind, string> = {
  unauthenticated: "plain t, no identity",
  noActiveOrg: "org A's owner, token without activeOrganizationId",
  nonMember: "owner of org B, token claims org A (or P)",
  member: "member of org A (or P)",
  admin: "org-admin of org A (or P)",
  owner: "owner of org A (or P)",
  globalAdmin: `${ADMIN_EMAIL}, not in any org, token claims org A (or P)`,
};

type Outcome = "allowed" | BillingErrorCode;

/** billing:read — memberQuery / memberAction. Global admins get no org access through the public API. */
const ORG_READ: Record<CallerKind, Outcome> = {
  unauthenticated: "UNAUTHENTICATED",
  noActiveOrg: "NO_ACTIVE_ORGANIZATION",
  nonMember: "FORBIDDEN",
  member: "allowed",
  admin: "allowed",
  owner: "allowed",
  globalAdmin: "FORBIDDEN",
};

/** billing:manage — ownerAction: checkout, plan changes, cancel, portal, add-ons, watcher retry. */
const ORG_MANAGE: Record<CallerKind, Outcome> = { ...ORG_READ, member: "FORBIDDEN", admin: "FORBIDDEN" };

/**
 * The dev outbox (outbox.listOutbox, a plain query): any signed-in caller; what
 * they see depends on who they are (the row's check: the org's owner its mail,
 * a global admin everyone's, anyone else nothing).
 */
const SIGNED_IN: Record<CallerKind, Outcome> = {
  unauthenticated: "UNAUTHENTICATED",
  noActiveOrg: "allowed",
  nonMember: "allowed",
  member: "allowed",
  admin: "allowed",
  owner: "allowed",
  globalAdmin: "allowed",
};

/** admin — adminQuery / adminAction. The active org in the token is irrelevant. */
const ADMIN_ONLY: Record<CallerKind, Outcome> = {
  unauthenticated: "UNAUTHENTICATED",
  noActiveOrg: "FORBIDDEN",
  nonMember: "FORBIDDEN",
  member: "FORBIDDEN",
  admin: "FORBIDDEN",
  owner: "FORBIDDEN",
  globalAdmin: "allowed",
};

// ── fixture ────────────────────────────────────────────────────────────────

interface Fixture {
  orgA: string;
  orgB: string;
  /** Org P: same owner, admin and member as org A; on team with a card on file, where the owner's purchase calls succeed. */
  orgP: string;
  owner: TestUser;
  orgAdmin: TestUser;
  member: TestUser;
  outsider: TestUser;
  root: TestUser;
}

let b: BillingTest;
let fx: Fixture;

beforeAll(async () => {
  b = await startBillingTest();
  await b.t.action(internal.billing.sync.syncPlans, {});
  const [owner, orgAdmin, member, outsider, root] = await Promise.all([
    b.signUp("owner@example.com", "Oona Owner"),
    b.signUp("orgadmin@example.com", "Ada Admin"),
    b.signUp("member@example.com", "Mo Member"),
    b.signUp("outsider@example.com", "Otto Outsider"),
    b.signUp(ADMIN_EMAIL, "Root Admin"),
  ]);
  const orgP = await b.createOrg(owner, "Cobalt Purchases");
  const orgA = await b.createOrg(owner, "Acme Matrix");
  const orgB = await b.createOrg(outsider, "Bolt Outsider");
  for (const org of [orgA, orgP]) {
    await b.addMember(owner, org, orgAdmin, "admin");
    await b.addMember(owner, org, member, "member");
  }
  await b.drainScheduled();
  // Org P: a card on file (so purchases need no payment page) and the team plan.
  const { url } = await b.autumn.autumn.billing.setupPayment({ customerId: orgP, successUrl: `${SITE}/billing` });
  expect((await payCheckout(url, "4242 4242 4242 4242")).status).toBe(303);
  await b.autumn.control("/sandbox/checkouts/settle");
  await b.autumn.autumn.billing.attach({ customerId: orgP, planId: "team", noBillingChanges: true });
  expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgP })).toEqual({ ok: true, error: null });
  // Org A: one unread notification, emailed to its owner (the bell and outbox rows read them).
  await b.t.run((ctx) => notify(ctx, {
    organizationId: orgA, kind: "usage_alert", featureId: "standard_messages", title: "80% of Standard messages used",
    body: "Your organization has used 80% of its Standard messages for this period.", dedupeKey: "matrix:alert", source: "action",
  }));
  fx = { orgA, orgB, orgP, owner, orgAdmin, member, outsider, root };
}, 60_000);

afterAll(async () => {
  await b?.close();
});

function client(caller: CallerKind, org: string = fx.orgA) {
  switch (caller) {
    case "unauthenticated": return b.t;
    case "noActiveOrg": return b.as(fx.owner, null);
    case "nonMember": return b.as(fx.outsider, org);
    case "member": return b.as(fx.member, org);
    case "admin": return b.as(fx.orgAdmin, org);
    case "owner": return b.as(fx.owner, org);
    case "globalAdmin": return b.as(fx.root, org);
  }
}

/** An allowed retryActivation starts a watcher; its tick must not fire later, mid-matrix (it would call Autumn). */
async function cancelWatcherTicks(): Promise<void> {
  await b.t.run(async (ctx) => {
    for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
      if (job.name === "billing/watcher:tick" && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
    }
  });
}

const ORG_ROLE: Partial<Record<CallerKind, "owner" | "admin" | "member">> = { member: "member", admin: "admin", owner: "owner" };

// ── the functions under test ───────────────────────────────────────────────

type Args = Record<string, unknown>;
type Called =
  | { kind: "query"; ref: FunctionReference<"query"> }
  | { kind: "mutation"; ref: FunctionReference<"mutation"> }
  | { kind: "action"; ref: FunctionReference<"action"> };

type Row = Called & {
  /** The file in convex/billing (without .ts). */
  module: "api" | "admin" | "purchase" | "watcher" | "migration" | "metering" | "controlsApi" | "invoices" | "notifications" | "outbox" | "topups";
  name: string;
  /** The org callers claim in their token (default A). Rows that change billing state run on org P. */
  org?: "A" | "P";
  args: (f: Fixture) => Args;
  expected: Record<CallerKind, Outcome>;
  /** Sanity check of an allowed call's result. */
  check: (result: unknown, caller: CallerKind, f: Fixture) => void | Promise<void>;
};

interface BillingShape { billing: { organizationId: string; provisioned: boolean; plan: { planId: string } | null } }
interface ControlsShape {
  usageLimits: Array<{ featureId: string; limit: number; interval: string }>;
  spendLimits: Array<{ featureId: string | null; overageLimit: number | null }>;
  overageAllowed: Array<{ featureId: string; enabled: boolean }>;
  usageAlerts: Array<{ featureId: string | null; thresholdType: string; threshold: number }>;
  autoTopups: Array<{ featureId: string; enabled: boolean; threshold: number; quantity: number }>;
}

const MATRIX: Row[] = [
  // api.ts — org-scoped, org from the token only.
  {
    module: "api", name: "listPlans", kind: "query", ref: api.billing.api.listPlans, args: () => ({}), expected: ORG_READ,
    check: (r) => expect((r as Array<{ planId: string }>).map((p) => p.planId)).toContain("free"),
  },
  {
    module: "api", name: "getOrgBilling", kind: "query", ref: api.billing.api.getOrgBilling, args: () => ({}), expected: ORG_READ,
    check: (r, caller, f) => {
      const { billing, role, canManage } = r as BillingShape & { role: string; canManage: boolean };
      expect(billing.organizationId).toBe(f.orgA);
      expect(billing.provisioned).toBe(true);
      expect(billing.plan?.planId).toBe("free");
      expect(role).toBe(ORG_ROLE[caller]);
      expect(canManage).toBe(caller === "owner");
    },
  },
  {
    module: "api", name: "checkFeature", kind: "query", ref: api.billing.api.checkFeature,
    args: () => ({ featureId: "standard_messages", required: 1 }), expected: ORG_READ,
    check: (r) => expect(r).toMatchObject({ featureId: "standard_messages", allowed: true, reason: "ok" }),
  },
  {
    module: "api", name: "getFeatureUsage", kind: "action", ref: api.billing.api.getFeatureUsage, args: () => ({}), expected: ORG_READ,
    check: (r) => expect(r).toEqual(expect.arrayContaining([expect.objectContaining({ featureId: "standard_messages", granted: 50 })])),
  },
  {
    module: "api", name: "getSubscriptionHistory", kind: "query", ref: api.billing.api.getSubscriptionHistory, args: () => ({}), expected: ORG_READ,
    check: (r) => expect((r as Array<{ planId: string; change: string }>)).toEqual(expect.arrayContaining([expect.objectContaining({ planId: "free", change: "activated" })])),
  },
  {
    module: "api", name: "ensureBilling", kind: "action", ref: api.billing.api.ensureBilling, args: () => ({}), expected: ORG_READ,
    check: (r) => expect(r).toEqual({ ok: true, error: null }),
  },

  // metering.ts — the usage chart reads the local ledger.
  {
    module: "metering", name: "getUsageHistory", kind: "query", ref: api.billing.metering.getUsageHistory, args: () => ({ days: 7 }), expected: ORG_READ,
    check: (r) => {
      const { from, to, series } = r as { from: number; to: number; series: unknown[] };
      expect(to - from).toBe(6 * 86_400_000);
      expect(Array.isArray(series)).toBe(true);
    },
  },

  // purchase.ts — owner only, on org P (team, card on file). The rows run in
  // this order, so each owner call finds the state the previous one left:
  // preview a downgrade, schedule it, cancel (which drops it), uncancel, buy
  // a credit pack, open the portal.
  {
    module: "purchase", name: "previewCheckout", kind: "action", ref: api.billing.purchase.previewCheckout, org: "P",
    args: () => ({ planId: "pro" }), expected: ORG_MANAGE,
    check: (r) => expect(r).toMatchObject({ planId: "pro", action: "downgrade", total: 0, requiresRedirect: false }),
  },
  {
    module: "purchase", name: "checkout", kind: "action", ref: api.billing.purchase.checkout, org: "P",
    args: () => ({ planId: "pro", successUrl: "/billing/success" }), expected: ORG_MANAGE,
    check: (r) => expect(r).toEqual({ status: "scheduled" }),
  },
  {
    module: "purchase", name: "cancelSubscription", kind: "action", ref: api.billing.purchase.cancelSubscription, org: "P",
    args: () => ({ planId: "team" }), expected: ORG_MANAGE,
    check: async (r, _caller, f) => {
      expect(r).toBeNull();
      expect((await b.as(f.owner, f.orgP).query(api.billing.api.getOrgBilling, {})).billing.plan).toMatchObject({ planId: "team", status: "canceling" });
    },
  },
  {
    module: "purchase", name: "uncancelSubscription", kind: "action", ref: api.billing.purchase.uncancelSubscription, org: "P",
    args: () => ({ planId: "team" }), expected: ORG_MANAGE,
    check: async (r, _caller, f) => {
      expect(r).toBeNull();
      expect((await b.as(f.owner, f.orgP).query(api.billing.api.getOrgBilling, {})).billing.plan).toMatchObject({ planId: "team", status: "active" });
    },
  },
  {
    module: "purchase", name: "purchaseAddOn", kind: "action", ref: api.billing.purchase.purchaseAddOn, org: "P",
    args: () => ({ planId: "credit_pack", successUrl: "/billing/success" }), expected: ORG_MANAGE,
    check: (r) => expect(r).toEqual({ status: "activated" }),
  },
  {
    module: "purchase", name: "openBillingPortal", kind: "action", ref: api.billing.purchase.openBillingPortal, org: "P",
    args: () => ({ returnUrl: "/settings/billing" }), expected: ORG_MANAGE,
    check: (r) => expect((r as { url: string }).url).toMatch(/\/portal\/bps_/),
  },

  // watcher.ts — members may read the activation state; only the owner may restart a watcher.
  {
    module: "watcher", name: "getActivation", kind: "query", ref: api.billing.watcher.getActivation, org: "P",
    args: () => ({ planId: "team" }), expected: ORG_READ,
    check: (r) => expect(r).toEqual({ state: "none", planActive: true, nextCheckAt: null }),
  },
  {
    module: "watcher", name: "retryActivation", kind: "action", ref: api.billing.watcher.retryActivation, org: "P",
    args: () => ({ planId: "team" }), expected: ORG_MANAGE,
    check: async (r, _caller, f) => {
      expect(r).toBeNull();
      expect((await b.as(f.member, f.orgP).query(api.billing.watcher.getActivation, { planId: "team" })).state).toBe("watching");
      await cancelWatcherTicks();
    },
  },

  // controlsApi.ts — spend controls on org P (team: premium messages are usage-based). Any
  // member reads them; only the owner changes them (each write goes to Autumn and back to the cache).
  {
    module: "controlsApi", name: "getSpendControls", kind: "query", ref: api.billing.controlsApi.getSpendControls, org: "P",
    args: () => ({}), expected: ORG_READ,
    check: (r, caller) => {
      const { controls, features, canManage } = r as { controls: ControlsShape; features: Array<{ featureId: string; usageBased: boolean }>; canManage: boolean };
      expect(canManage).toBe(caller === "owner");
      expect(features).toEqual(expect.arrayContaining([expect.objectContaining({ featureId: "premium_messages", usageBased: true })]));
      expect(Array.isArray(controls.usageLimits)).toBe(true);
    },
  },
  {
    module: "controlsApi", name: "setSpendLimit", kind: "action", ref: api.billing.controlsApi.setSpendLimit, org: "P",
    args: () => ({ featureId: "premium_messages", overageLimit: 50 }), expected: ORG_MANAGE,
    check: (r) => expect((r as ControlsShape).spendLimits).toEqual([expect.objectContaining({ featureId: "premium_messages", overageLimit: 50 })]),
  },
  {
    module: "controlsApi", name: "setUsageLimit", kind: "action", ref: api.billing.controlsApi.setUsageLimit, org: "P",
    args: () => ({ featureId: "premium_messages", limit: 10_000, interval: "month" }), expected: ORG_MANAGE,
    check: (r) => expect((r as ControlsShape).usageLimits).toEqual([expect.objectContaining({ featureId: "premium_messages", limit: 10_000, interval: "month" })]),
  },
  {
    module: "controlsApi", name: "setOverageAllowed", kind: "action", ref: api.billing.controlsApi.setOverageAllowed, org: "P",
    args: () => ({ featureId: "premium_messages", enabled: true }), expected: ORG_MANAGE,
    check: (r) => expect((r as ControlsShape).overageAllowed).toEqual([expect.objectContaining({ featureId: "premium_messages", enabled: true })]),
  },
  {
    module: "controlsApi", name: "setUsageAlerts", kind: "action", ref: api.billing.controlsApi.setUsageAlerts, org: "P",
    args: () => ({ alerts: [{ featureId: "premium_messages", thresholdType: "usage_percentage", threshold: 80 }] }), expected: ORG_MANAGE,
    check: async (r, _caller, f) => {
      expect((r as ControlsShape).usageAlerts).toEqual([expect.objectContaining({ featureId: "premium_messages", thresholdType: "usage_percentage", threshold: 80 })]);
      // The cache has it at once: any member reads it back.
      const { controls } = await b.as(f.member, f.orgP).query(api.billing.controlsApi.getSpendControls, {});
      expect(controls.usageAlerts.map((a) => a.featureId)).toEqual(["premium_messages"]);
    },
  },

  // topups.ts — owner only; org P bought the credit pack above, so Autumn has a pack to top up with.
  {
    module: "topups", name: "setAutoTopup", kind: "action", ref: api.billing.topups.setAutoTopup, org: "P",
    args: () => ({ featureId: "ai_credits", enabled: true, threshold: 10, packPlanId: "credit_pack", maxPerMonth: 2 }), expected: ORG_MANAGE,
    check: (r) => expect((r as ControlsShape).autoTopups).toEqual([expect.objectContaining({ featureId: "ai_credits", enabled: true, threshold: 10, quantity: 500 })]),
  },

  // invoices.ts — what org P pays and how: members read (cache, or Autumn reads through
  // memberAction); only the owner opens the payment page.
  {
    module: "invoices", name: "getNextCharge", kind: "query", ref: api.billing.invoices.getNextCharge, org: "P",
    args: () => ({}), expected: ORG_READ,
    check: (r) => expect(r).toMatchObject({ planId: "team", planName: "Team" }),
  },
  {
    module: "invoices", name: "getPastDue", kind: "query", ref: api.billing.invoices.getPastDue, org: "P",
    args: () => ({}), expected: ORG_READ,
    check: (r, caller) => expect(r).toEqual({ pastDue: false, openInvoices: [], canPay: caller === "owner" }),
  },
  {
    module: "invoices", name: "openPaymentSetup", kind: "action", ref: api.billing.invoices.openPaymentSetup, org: "P",
    args: () => ({ returnUrl: "/settings/billing" }), expected: ORG_MANAGE,
    check: (r) => expect((r as { url: string }).url).toMatch(/^https?:\/\//),
  },
  {
    module: "invoices", name: "getPaymentMethod", kind: "action", ref: api.billing.invoices.getPaymentMethod, org: "P",
    args: () => ({}), expected: ORG_READ,
    check: (r) => expect(r).toMatchObject({ last4: "4242" }),
  },
  {
    module: "invoices", name: "listInvoices", kind: "action", ref: api.billing.invoices.listInvoices, org: "P",
    args: () => ({ limit: 10 }), expected: ORG_READ,
    check: (r) => {
      const { invoices } = r as { invoices: Array<{ planIds: string[] }>; nextCursor: string | null };
      expect(invoices.flatMap((i) => i.planIds)).toContain("credit_pack");
    },
  },

  // notifications.ts — the bell, for any member of org A (one unread notification seeded above).
  {
    module: "notifications", name: "listNotifications", kind: "query", ref: api.billing.notifications.listNotifications,
    args: () => ({}), expected: ORG_READ,
    check: (r, _caller, f) => expect(r).toEqual([expect.objectContaining({ organizationId: f.orgA, dedupeKey: "matrix:alert" })]),
  },
  {
    module: "notifications", name: "unreadCount", kind: "query", ref: api.billing.notifications.unreadCount,
    args: () => ({}), expected: ORG_READ,
    check: (r) => expect(r).toEqual({ count: 1, capped: false }),
  },
  {
    module: "notifications", name: "markRead", kind: "mutation", ref: api.billing.notifications.markRead,
    args: () => ({}), expected: ORG_READ,
    check: async (r, caller, f) => {
      // The first allowed caller (member) marks the seeded one read; the others find nothing unread.
      expect(r).toBe(caller === "member" ? 1 : 0);
      expect(await b.as(f.owner, f.orgA).query(api.billing.notifications.unreadCount, {})).toEqual({ count: 0, capped: false });
    },
  },

  // outbox.ts — the dev outbox: the org's owner sees its mail (the seeded alert went to them), a
  // global admin sees all, any other signed-in caller nothing.
  {
    module: "outbox", name: "listOutbox", kind: "query", ref: api.billing.outbox.listOutbox,
    args: () => ({}), expected: SIGNED_IN,
    check: (r, caller, f) => {
      const { scope, emails } = r as { scope: string; emails: Array<{ organizationId: string; to: string }> };
      const own = emails.filter((e) => e.organizationId === f.orgA && e.to === "owner@example.com");
      if (caller === "owner") {
        expect(scope).toBe("organization");
        expect(own).toHaveLength(1);
        expect(emails.every((e) => e.organizationId === f.orgA)).toBe(true);
      } else if (caller === "globalAdmin") {
        expect(scope).toBe("all");
        expect(own).toHaveLength(1);
      } else {
        expect(scope).toBe("none");
        expect(emails).toEqual([]);
      }
    },
  },

  // admin.ts — global admins only; the org is an explicit argument.
  {
    module: "admin", name: "adminSyncPlans", kind: "action", ref: api.billing.admin.adminSyncPlans, args: () => ({}), expected: ADMIN_ONLY,
    check: (r) => expect(r).toMatchObject({ ok: true, error: null, pruned: 0 }),
  },
  {
    module: "admin", name: "adminSyncCustomer", kind: "action", ref: api.billing.admin.adminSyncCustomer,
    args: (f) => ({ organizationId: f.orgA }), expected: ADMIN_ONLY,
    check: (r) => expect(r).toEqual({ ok: true, error: null }),
  },
  {
    module: "admin", name: "adminGetFeatureUsage", kind: "action", ref: api.billing.admin.adminGetFeatureUsage,
    args: (f) => ({ organizationId: f.orgA }), expected: ADMIN_ONLY,
    check: (r) => expect(r).toEqual(expect.arrayContaining([expect.objectContaining({ featureId: "standard_messages" })])),
  },
  {
    module: "admin", name: "adminListAllPlans", kind: "query", ref: api.billing.admin.adminListAllPlans, args: () => ({}), expected: ADMIN_ONLY,
    check: (r) => {
      const { plans, lastSync } = r as { plans: Array<{ planId: string }>; lastSync: { kind: string } | null };
      expect(plans.map((p) => p.planId)).toContain("free");
      expect(lastSync?.kind).toBe("plans");
    },
  },
  {
    module: "admin", name: "adminGetOrgBilling", kind: "query", ref: api.billing.admin.adminGetOrgBilling,
    args: (f) => ({ organizationId: f.orgA }), expected: ADMIN_ONLY,
    check: (r, _caller, f) => expect((r as BillingShape).billing.organizationId).toBe(f.orgA),
  },
  {
    module: "admin", name: "adminListOrgs", kind: "query", ref: api.billing.admin.adminListOrgs,
    args: () => ({ paginationOpts: { numItems: 10, cursor: null } }), expected: ADMIN_ONLY,
    check: (r, _caller, f) => expect((r as { page: Array<{ organizationId: string }> }).page.map((o) => o.organizationId)).toEqual([f.orgB, f.orgA, f.orgP]),
  },

  // migration.ts — global admins only. Importing org A onto the plan it has changes nothing.
  {
    module: "migration", name: "adminImportCustomers", kind: "action", ref: api.billing.migration.adminImportCustomers,
    args: (f) => ({ entries: [{ organizationId: f.orgA, planId: "free" }] }), expected: ADMIN_ONLY,
    check: (r, _caller, f) => expect(r).toEqual([{ organizationId: f.orgA, planId: "free", status: "already_on_plan", error: null, reason: null }]),
  },
];

const orgOf = (row: Row, f: Fixture): string => (row.org === "P" ? f.orgP : f.orgA);

function call(c: ReturnType<typeof client>, row: Called, args: Args): Promise<unknown> {
  switch (row.kind) {
    case "query": return c.query(row.ref, args);
    case "mutation": return c.mutation(row.ref, args);
    case "action": return c.action(row.ref, args);
  }
}

type Settled = { outcome: "allowed"; value: unknown } | { outcome: BillingErrorCode | "UNTYPED_ERROR"; error: unknown };

async function settle(p: Promise<unknown>): Promise<Settled> {
  try {
    return { outcome: "allowed", value: await p };
  } catch (error) {
    return { outcome: billingErrorCode(error) ?? "UNTYPED_ERROR", error };
  }
}

async function autumnCalls(): Promise<Record<string, number>> {
  return (await b.autumn.control("/sandbox/stats", undefined, "GET")).calls as Record<string, number>;
}

const CELLS = MATRIX.flatMap((row) => CALLERS.map((caller) => ({ row, caller, expected: row.expected[caller] })));

// ── the matrix ─────────────────────────────────────────────────────────────

describe("authorization matrix", () => {
  it.each(CELLS.map((c) => [`${c.row.name} × ${c.caller} → ${c.expected}`, c] as const))("%s", async (_name, { row, caller, expected }) => {
    const before = expected === "allowed" ? null : await autumnCalls();
    const result = await settle(call(client(caller, orgOf(row, fx)), row, row.args(fx)));
    if (result.outcome === "UNTYPED_ERROR") throw result.error;
    expect(result.outcome).toBe(expected);
    if (result.outcome === "allowed") await row.check(result.value, caller, fx);
    // A refused call never reaches Autumn.
    else expect(await autumnCalls()).toEqual(before);
  });

  it("covers every public function in every convex/billing module (internal ones need no row)", () => {
    const found = Object.entries(BILLING_MODULES).flatMap(([file, mod]) =>
      registered(mod).filter(([, fn]) => fn.isPublic === true).map(([name]) => `${file.replace(/^\.\//, "").replace(/\.ts$/, "")}.${name}`));
    expect(found.length).toBeGreaterThan(0);
    expect(MATRIX.map((r) => `${r.module}.${r.name}`).sort()).toEqual(found.sort());
    // Sanity: the glob sees the modules this file was written against.
    for (const m of ["api", "admin", "purchase", "watcher", "migration", "metering", "controlsApi", "invoices", "notifications", "outbox", "topups"]) {
      expect(Object.keys(BILLING_MODULES)).toContain(`./${m}.ts`);
    }
  });
});

// ── introspection helpers ──────────────────────────────────────────────────

interface RegisteredFn {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  exportArgs(): string;
}

function isRegistered(value: unknown): value is RegisteredFn {
  if (typeof value !== "function" && (typeof value !== "object" || value === null)) return false;
  const fn = value as Partial<RegisteredFn>;
  return typeof fn.exportArgs === "function" && (fn.isQuery === true || fn.isMutation === true || fn.isAction === true);
}

function registered(mod: Record<string, unknown>): Array<[string, RegisteredFn]> {
  return Object.entries(mod).filter((e): e is [string, RegisteredFn] => isRegistered(e[1]));
}

// ── admin refusals happen before Autumn ────────────────────────────────────

describe("admin functions", () => {
  it("an org owner calling any admin function is FORBIDDEN before any Autumn call", async () => {
    const owner = b.as(fx.owner, fx.orgA);
    const before = await autumnCalls();
    for (const row of MATRIX.filter((r) => r.expected === ADMIN_ONLY)) {
      const result = await settle(call(owner, row, row.args(fx)));
      expect(result.outcome, row.name).toBe("FORBIDDEN");
    }
    expect(await autumnCalls()).toEqual(before);
    // The sandbox is live: the same action by a global admin does reach it.
    await b.as(fx.root, null).action(api.billing.admin.adminGetFeatureUsage, { organizationId: fx.orgA });
    expect(await autumnCalls()).not.toEqual(before);
  });

  it("a global admin (no org membership, no active org) can read any organization's billing", async () => {
    const root = b.as(fx.root, null);
    for (const orgId of [fx.orgA, fx.orgB]) {
      const { billing, history } = await root.query(api.billing.admin.adminGetOrgBilling, { organizationId: orgId });
      expect(billing).toMatchObject({ organizationId: orgId, provisioned: true, plan: { planId: "free" } });
      expect(Array.isArray(history)).toBe(true);
    }
  });

  it("a global admin lists organizations newest first, paged, and searches by name prefix", async () => {
    const root = b.as(fx.root, null);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const res: { page: Array<{ organizationId: string; name: string; planName: string | null; provisioned: boolean }>; isDone: boolean; continueCursor: string } =
        await root.query(api.billing.admin.adminListOrgs, { paginationOpts: { numItems: 1, cursor } });
      expect(res.page.length).toBeLessThanOrEqual(1);
      for (const org of res.page) {
        expect(org).toMatchObject({ provisioned: true, planName: org.organizationId === fx.orgP ? "Team" : "Free" });
        seen.push(org.organizationId);
      }
      pages++;
      if (res.isDone) break;
      cursor = res.continueCursor;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([fx.orgB, fx.orgA, fx.orgP]);

    const search = async (s: string) =>
      (await root.query(api.billing.admin.adminListOrgs, { paginationOpts: { numItems: 10, cursor: null }, search: s })).page.map((o) => o.name);
    expect(await search("Acme")).toEqual(["Acme Matrix"]);
    expect(await search("Bolt Out")).toEqual(["Bolt Outsider"]);
    expect(await search("Matrix")).toEqual([]); // prefix, not substring
    expect(await search("acme")).toEqual([]); // case-sensitive, as stored
  });
});

// ── the org never comes from an argument ───────────────────────────────────

const ORG_SCOPED = MATRIX.filter((r) => r.expected !== ADMIN_ONLY);

describe("no org-scoped function takes an organization id", () => {
  it("no org-scoped public function declares an organizationId argument", () => {
    expect(ORG_SCOPED.map((r) => r.module)).toEqual(expect.arrayContaining(["api", "purchase", "watcher", "metering", "controlsApi", "invoices", "notifications", "outbox", "topups"]));
    for (const row of ORG_SCOPED) {
      const fn = (BILLING_MODULES[`./${row.module}.ts`] ?? {})[row.name];
      if (!isRegistered(fn)) throw new Error(`${row.module}.${row.name} is not a registered function`);
      expect(fn.isPublic, row.name).toBe(true);
      const args = JSON.parse(fn.exportArgs()) as { type: string; value?: Record<string, unknown> };
      expect(args.type, row.name).toBe("object");
      expect(Object.keys(args.value ?? {}), row.name).not.toContain("organizationId");
    }
  });

  it.each(ORG_SCOPED.map((r) => [`${r.module}.${r.name}`, r] as const))(
    "%s rejects an extra organizationId argument",
    async (_name, row) => {
      const before = await autumnCalls();
      // The owner of org A (or P) trying to aim the call at org B.
      const result = await settle(call(b.as(fx.owner, orgOf(row, fx)), row, { ...row.args(fx), organizationId: fx.orgB }));
      expect(result.outcome).toBe("UNTYPED_ERROR");
      if (result.outcome !== "allowed") expect(String(result.error)).toMatch(/Unexpected field `organizationId`/);
      expect(await autumnCalls()).toEqual(before);
    },
  );
});
