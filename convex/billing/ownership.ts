// Tenant guard: an Autumn customer is adopted only by the organization, and
// the deployment, that created it. customerId = organizationId, so two
// deployments sharing one Autumn account (dev and staging on one test key,
// a wiped local stack whose ids start over, a restored backup) could
// otherwise read, and charge, each other's customers.
//
// - Provisioning writes a marker into the customer's `metadata`:
//   { billing_owner_org: <organizationId>, billing_owner_deployment: <id> }.
//   The deployment id is BILLING_DEPLOYMENT_ID if set, else a random id kept
//   in `billingDeployment` (made on first use), so every deployment has its
//   own without configuration.
// - Every sync path (provisioning and lazy ensureBilling, the checkout
//   watcher, webhooks, the daily reconcile, admin re-sync, live usage,
//   migration) calls guardCustomer / ownershipOf before writing the cache.
//   A customer marked for another org or deployment is never adopted:
//   CUSTOMER_OWNERSHIP_MISMATCH, the cache untouched, the conflict recorded
//   (billingOwnershipConflicts) for the admin org page.
// - A customer without a marker (made before markers existed) is adopted
//   when this deployment already caches it, or when Autumn created it after
//   the organization existed; it is then stamped (customers.update). Any
//   other unmarked customer is refused like a foreign one.
//
// This module is what queries and mutations need (tables, the marker, the
// conflict records) and never loads autumn-js; the guard itself, which calls
// Autumn from actions, is ownershipGuard.ts.
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { billingError } from "./errors";

export const OWNER_ORG_KEY = "billing_owner_org";
export const OWNER_DEPLOYMENT_KEY = "billing_owner_deployment";
/** Clock skew allowed between Autumn's created_at and the organization's createdAt. */
export const CREATED_AT_SKEW_MS = 5 * 60_000;

const conflictFields = {
  organizationId: v.string(),
  /** Whose marker the Autumn customer carries (null: unmarked and not adoptable). */
  foundOrganizationId: v.union(v.string(), v.null()),
  foundDeploymentId: v.union(v.string(), v.null()),
  /** Which sync path met it (provision, webhook, reconcile, …). */
  path: v.string(),
  at: v.number(),
};

export const ownershipTables = {
  billingDeployment: defineTable({ deploymentId: v.string(), createdAt: v.number() }),
  billingOwnershipConflicts: defineTable(conflictFields).index("by_organizationId", ["organizationId"]),
};

export interface OwnerMarker { organizationId: string; deploymentId: string }

export type Ownership =
  | { kind: "ours" }
  | { kind: "unmarked" }
  | { kind: "foreign"; organizationId: string | null; deploymentId: string | null };

/** Whose customer this is, from its metadata alone. */
export function ownershipOf(metadata: unknown, marker: OwnerMarker): Ownership {
  const m = typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : {};
  const org = typeof m[OWNER_ORG_KEY] === "string" ? m[OWNER_ORG_KEY] : null;
  const dep = typeof m[OWNER_DEPLOYMENT_KEY] === "string" ? m[OWNER_DEPLOYMENT_KEY] : null;
  if (org === null && dep === null) return { kind: "unmarked" };
  if (org === marker.organizationId && dep === marker.deploymentId) return { kind: "ours" };
  return { kind: "foreign", organizationId: org, deploymentId: dep };
}

/** The metadata provisioning writes (get_or_create, customers.update). */
export function markerMetadata(marker: OwnerMarker): Record<string, string> {
  return { [OWNER_ORG_KEY]: marker.organizationId, [OWNER_DEPLOYMENT_KEY]: marker.deploymentId };
}

/** The typed error for a customer that is not this org's (ownershipGuard.ts throws it). */
export function mismatch(organizationId: string, found: { organizationId: string | null; deploymentId: string | null }) {
  return billingError(
    "CUSTOMER_OWNERSHIP_MISMATCH",
    found.organizationId === null
      ? `The Autumn customer "${organizationId}" predates this deployment and was not created for this organization; it was not adopted.`
      : `The Autumn customer "${organizationId}" belongs to ${found.organizationId === organizationId ? "another deployment" : "another organization"}; it was not adopted.`,
    { foundOrganizationId: found.organizationId, foundDeploymentId: found.deploymentId },
  );
}

// ── the deployment id ──────────────────────────────────────────────────────

export const context = internalQuery({
  args: { organizationId: v.string() },
  returns: v.object({ deploymentId: v.union(v.string(), v.null()), cached: v.boolean(), conflict: v.boolean() }),
  handler: async (ctx, { organizationId }) => {
    const [deployment, row, conflict] = await Promise.all([
      ctx.db.query("billingDeployment").first(),
      ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).first(),
      ctx.db.query("billingOwnershipConflicts").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).first(),
    ]);
    return { deploymentId: deployment?.deploymentId ?? null, cached: row !== null, conflict: conflict !== null };
  },
});

export const ensureDeploymentId = internalMutation({
  args: {},
  returns: v.string(),
  handler: async (ctx) => {
    const existing = await ctx.db.query("billingDeployment").first();
    if (existing) return existing.deploymentId;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const deploymentId = `dep_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    await ctx.db.insert("billingDeployment", { deploymentId, createdAt: Date.now() });
    return deploymentId;
  },
});

// ── conflicts ──────────────────────────────────────────────────────────────

export const recordConflict = internalMutation({
  args: conflictFields,
  returns: v.null(),
  handler: async (ctx, conflict) => {
    const existing = await ctx.db.query("billingOwnershipConflicts").withIndex("by_organizationId", (q) => q.eq("organizationId", conflict.organizationId)).first();
    if (existing) await ctx.db.replace(existing._id, conflict);
    else await ctx.db.insert("billingOwnershipConflicts", conflict);
    return null;
  },
});

export const clearConflict = internalMutation({
  args: { organizationId: v.string() },
  returns: v.null(),
  handler: async (ctx, { organizationId }) => {
    const rows = await ctx.db.query("billingOwnershipConflicts").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).take(10);
    for (const r of rows) await ctx.db.delete(r._id);
    return null;
  },
});

/** The org's recorded conflict, as a sync error for the admin org page (null: none). */
export async function ownershipConflictError(
  ctx: QueryCtx,
  organizationId: string,
): Promise<{ code: string; message: string; at: number } | null> {
  const c = await ctx.db.query("billingOwnershipConflicts").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).first();
  if (!c) return null;
  const err = mismatch(organizationId, { organizationId: c.foundOrganizationId, deploymentId: c.foundDeploymentId });
  return { code: err.data.code, message: err.data.message, at: c.at };
}
