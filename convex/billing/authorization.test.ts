// Authorization matrix for the billing module: every public function in
// api.ts and every global-admin function in admin.ts, called by every kind
// of caller, with the exact outcome each cell must produce ("allowed" or the
// typed error code). Plus: admin functions refuse before talking to Autumn,
// no public function takes an organization id, and global admins can read
// and list any organization.
import type { FunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import * as adminModule from "./admin";
import * as apiModule from "./api";
import { billingErrorCode, type BillingErrorCode } from "./errors";
import { ADMIN_EMAIL, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

// ── callers ────────────────────────────────────────────────────────────────

const CALLERS = ["unauthenticated", "noActiveOrg", "nonMember", "member", "admin", "owner", "globalAdmin"] as const;
type CallerKind = (typeof CALLERS)[number];

const CALLER_DESCRIPTIONS: Record<CallerKind, string> = {
  unauthenticated: "plain t, no identity",
  noActiveOrg: "org A's owner, token without activeOrganizationId",
  nonMember: "owner of org B, token claims org A",
  member: "member of org A",
  admin: "org-admin of org A",
  owner: "owner of org A",
  globalAdmin: `${ADMIN_EMAIL}, not in any org, token claims org A`,
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

/**
 * billing:manage — ownerAction. No function in api.ts uses it yet
 * (checkout, plan changes, portal come in a later issue); owner-only actions
 * get rows with this vector as they land.
 */
const ORG_MANAGE: Record<CallerKind, Outcome> = { ...ORG_READ, member: "FORBIDDEN", admin: "FORBIDDEN" };

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
  const orgA = await b.createOrg(owner, "Acme Matrix");
  const orgB = await b.createOrg(outsider, "Bolt Outsider");
  await b.addMember(owner, orgA, orgAdmin, "admin");
  await b.addMember(owner, orgA, member, "member");
  await b.drainScheduled();
  fx = { orgA, orgB, owner, orgAdmin, member, outsider, root };
}, 60_000);

afterAll(async () => {
  await b?.close();
});

function client(caller: CallerKind) {
  switch (caller) {
    case "unauthenticated": return b.t;
    case "noActiveOrg": return b.as(fx.owner, null);
    case "nonMember": return b.as(fx.outsider, fx.orgA);
    case "member": return b.as(fx.member, fx.orgA);
    case "admin": return b.as(fx.orgAdmin, fx.orgA);
    case "owner": return b.as(fx.owner, fx.orgA);
    case "globalAdmin": return b.as(fx.root, fx.orgA);
  }
}

const ORG_ROLE: Partial<Record<CallerKind, "owner" | "admin" | "member">> = { member: "member", admin: "admin", owner: "owner" };

// ── the functions under test ───────────────────────────────────────────────

type Args = Record<string, unknown>;
type Called =
  | { kind: "query"; ref: FunctionReference<"query"> }
  | { kind: "action"; ref: FunctionReference<"action"> };

type Row = Called & {
  module: "api" | "admin";
  name: string;
  args: (f: Fixture) => Args;
  expected: Record<CallerKind, Outcome>;
  /** Sanity check of an allowed call's result. */
  check: (result: unknown, caller: CallerKind, f: Fixture) => void;
};

interface BillingShape { billing: { organizationId: string; provisioned: boolean; plan: { planId: string } | null } }

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
    module: "api", name: "ensureBilling", kind: "action", ref: api.billing.api.ensureBilling, args: () => ({}), expected: ORG_READ,
    check: (r) => expect(r).toEqual({ ok: true, error: null }),
  },
  // (owner-only ownerAction functions — checkout, changePlan, billing portal… — get ORG_MANAGE rows here as they land.)

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
    check: (r, _caller, f) => expect((r as { page: Array<{ organizationId: string }> }).page.map((o) => o.organizationId)).toEqual([f.orgB, f.orgA]),
  },
];

function call(c: ReturnType<typeof client>, row: Called, args: Args): Promise<unknown> {
  return row.kind === "query" ? c.query(row.ref, args) : c.action(row.ref, args);
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
    const result = await settle(call(client(caller), row, row.args(fx)));
    if (result.outcome === "UNTYPED_ERROR") throw result.error;
    expect(result.outcome).toBe(expected);
    if (result.outcome === "allowed") row.check(result.value, caller, fx);
    // A refused call never reaches Autumn.
    else expect(await autumnCalls()).toEqual(before);
  });

  it("covers every function exported by api.ts and admin.ts", () => {
    expect(MATRIX.filter((r) => r.module === "api").map((r) => r.name).sort()).toEqual(registered(apiModule).map(([n]) => n).sort());
    expect(MATRIX.filter((r) => r.module === "admin").map((r) => r.name).sort()).toEqual(registered(adminModule).map(([n]) => n).sort());
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
    for (const row of MATRIX.filter((r) => r.module === "admin")) {
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
        expect(org).toMatchObject({ provisioned: true, planName: "Free" });
        seen.push(org.organizationId);
      }
      pages++;
      if (res.isDone) break;
      cursor = res.continueCursor;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([fx.orgB, fx.orgA]);

    const search = async (s: string) =>
      (await root.query(api.billing.admin.adminListOrgs, { paginationOpts: { numItems: 10, cursor: null }, search: s })).page.map((o) => o.name);
    expect(await search("Acme")).toEqual(["Acme Matrix"]);
    expect(await search("Bolt Out")).toEqual(["Bolt Outsider"]);
    expect(await search("Matrix")).toEqual([]); // prefix, not substring
    expect(await search("acme")).toEqual([]); // case-sensitive, as stored
  });
});

// ── the org never comes from an argument ───────────────────────────────────

describe("no public function takes an organization id", () => {
  it("no public function in api.ts declares an organizationId argument", () => {
    const publicFns = registered(apiModule).filter(([, fn]) => fn.isPublic === true);
    expect(publicFns.length).toBe(MATRIX.filter((r) => r.module === "api").length);
    for (const [name, fn] of publicFns) {
      const args = JSON.parse(fn.exportArgs()) as { type: string; value?: Record<string, unknown> };
      expect(args.type, name).toBe("object");
      expect(Object.keys(args.value ?? {}), name).not.toContain("organizationId");
    }
  });

  it.each(MATRIX.filter((r) => r.module === "api").map((r) => [r.name, r] as const))(
    "%s rejects an extra organizationId argument",
    async (_name, row) => {
      const before = await autumnCalls();
      // The owner of org A trying to aim the call at org B.
      const result = await settle(call(b.as(fx.owner, fx.orgA), row, { ...row.args(fx), organizationId: fx.orgB }));
      expect(result.outcome).toBe("UNTYPED_ERROR");
      if (result.outcome !== "allowed") expect(String(result.error)).toMatch(/Unexpected field `organizationId`/);
      expect(await autumnCalls()).toEqual(before);
    },
  );
});
