// The tenant guard's action side (ownership.ts explains the rule): the
// deployment's marker, and the check every sync path makes before it writes
// a fetched customer into the cache. It calls Autumn (customers.update stamps
// an adoptable unmarked customer), so it is for actions only; queries and
// mutations import ownership.ts, which never loads autumn-js.
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { host } from "./host";
import { CREATED_AT_SKEW_MS, markerMetadata, mismatch, ownershipOf, type OwnerMarker } from "./ownership";

/** This deployment's marker for `organizationId`, plus what the guard needs to know about the org here. */
export async function ownerContext(ctx: ActionCtx, organizationId: string): Promise<{ marker: OwnerMarker; cached: boolean; conflict: boolean }> {
  const c = await ctx.runQuery(internal.billing.ownership.context, { organizationId });
  const deploymentId = process.env.BILLING_DEPLOYMENT_ID || c.deploymentId || (await ctx.runMutation(internal.billing.ownership.ensureDeploymentId, {}));
  return { marker: { organizationId, deploymentId }, cached: c.cached, conflict: c.conflict };
}

/** The marker only (what get_or_create sends). */
export async function ownerMarker(ctx: ActionCtx, organizationId: string): Promise<OwnerMarker> {
  return (await ownerContext(ctx, organizationId)).marker;
}

// ── the guard ──────────────────────────────────────────────────────────────

export interface GuardedCustomer { metadata?: unknown; createdAt?: number }

/**
 * Call before writing a fetched customer into the cache. Throws
 * CUSTOMER_OWNERSHIP_MISMATCH (after recording it) for another org's or
 * deployment's customer; stamps an adoptable unmarked one. `path` names the
 * sync path for the record.
 */
export async function guardCustomer(
  ctx: ActionCtx, organizationId: string, customer: GuardedCustomer, path: string,
  known?: Awaited<ReturnType<typeof ownerContext>>,
): Promise<void> {
  const { marker, cached, conflict } = known ?? (await ownerContext(ctx, organizationId));
  const ownership = ownershipOf(customer.metadata, marker);
  if (ownership.kind === "unmarked") {
    let adoptable = cached;
    if (!adoptable) {
      const org = await host.organization(ctx, organizationId);
      adoptable = org !== null && typeof customer.createdAt === "number" && customer.createdAt >= org.createdAt - CREATED_AT_SKEW_MS;
    }
    if (!adoptable) return refuse(ctx, organizationId, { organizationId: null, deploymentId: null }, path);
    // Created before markers existed: stamp it now, so later syncs (and other deployments) can tell.
    await callAutumn("customers.update", (c, o) => c.customers.update({ customerId: organizationId, metadata: markerMetadata(marker) }, o));
  } else if (ownership.kind === "foreign") {
    return refuse(ctx, organizationId, ownership, path);
  }
  if (conflict) await ctx.runMutation(internal.billing.ownership.clearConflict, { organizationId });
}

async function refuse(ctx: ActionCtx, organizationId: string, found: { organizationId: string | null; deploymentId: string | null }, path: string): Promise<never> {
  await ctx.runMutation(internal.billing.ownership.recordConflict, {
    organizationId, foundOrganizationId: found.organizationId, foundDeploymentId: found.deploymentId, path, at: Date.now(),
  });
  throw mismatch(organizationId, found);
}
