// Provisioning: every new organization gets an Autumn customer (and with it
// the free default plan) without org creation ever waiting on Autumn or
// failing because Autumn is down. The host calls onOrganizationCreated
// (orgCreated.ts) in the mutation that creates the org (this app: the
// better-auth organization trigger in auth.ts); failures retry with backoff,
// and any read path that finds no row provisions lazily (ensureBilling in
// api.ts). `provision` below is the only provisioning: the lazy kind inside
// owner and member actions (customerAccess.ts) calls it too.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, type ActionCtx } from "../_generated/server";
import { host } from "./host";
import { markerMetadata } from "./ownership";
import { ownerMarker } from "./ownershipGuard";
import { customerSyncResult, runCustomerSync, type CustomerData, type CustomerSyncResult } from "./sync";

/** The org-created hook (its own module, so the host's mutation never loads autumn-js); re-exported here. */

/** Backoff between provisioning attempts after a transient failure. */
export const PROVISION_RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000];
const TRANSIENT = new Set(["AUTUMN_UNAVAILABLE", "RATE_LIMITED", "INTERNAL"]);

/**
 * What Autumn keeps on the org's customer: the ORGANIZATION's name (the
 * customer is the organization), the owner's email (receipts go there) and
 * a fingerprint of the owner (one trial per person across their orgs).
 */
export async function orgCustomerData(ctx: ActionCtx, organizationId: string): Promise<CustomerData> {
  const [org, owners] = await Promise.all([host.organization(ctx, organizationId), host.owners(ctx, organizationId)]);
  const user = owners[0] ?? null;
  return {
    metadata: markerMetadata(await ownerMarker(ctx, organizationId)), // ownership.ts: whose customer this is
    ...(org?.name ? { name: org.name } : {}),
    ...(user?.email ? { email: user.email, fingerprint: await ownerFingerprint(user.email) } : {}),
  };
}

/** SHA-256 of the owner's normalised email: stable per person, reveals nothing. */
export async function ownerFingerprint(email: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`billing-owner:${email.trim().toLowerCase()}`));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function provision(ctx: ActionCtx, organizationId: string, attempt = 0): Promise<CustomerSyncResult> {
  const result = await runCustomerSync(ctx, organizationId, await orgCustomerData(ctx, organizationId));
  const delay = PROVISION_RETRY_DELAYS_MS[attempt];
  if (!result.ok && result.error && TRANSIENT.has(result.error.code) && delay !== undefined) {
    await ctx.scheduler.runAfter(delay, internal.billing.provisioning.provisionOrganization, { organizationId, attempt: attempt + 1 });
  }
  return result;
}

export const provisionOrganization = internalAction({
  args: { organizationId: v.string(), attempt: v.optional(v.number()) },
  returns: customerSyncResult,
  handler: (ctx, { organizationId, attempt }) => provision(ctx, organizationId, attempt ?? 0),
});
