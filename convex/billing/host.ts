// The host interface: everything the billing module needs from the app that
// hosts it, as one small contract (like get-convex/polar's getUserInfo).
// The app implements `BillingHost` in one file and exposes it at the
// registration point, `convex/billingHost.ts`:
//
//   // convex/billingHost.ts (the app's file, outside billing/)
//   import type { BillingHost } from "./billing/host";
//   export const billingHost: BillingHost = { viewer, membership, … };
//
// This repo's better-auth implementation is convex/orgs/billingHost.ts;
// examples/minimal implements it over a custom-JWT provider and its own
// orgs table. Why a fixed module path and not `registerBillingHost(host)`:
// Convex evaluates only the imported graph of the module whose function
// runs, so a registration call in an app file no billing module imports
// would never have run. The module imports this one app file and nothing
// else of the app (billing/structure.test.ts).
//
// The org-created hook goes the other way: the app calls
// `onOrganizationCreated(ctx, organizationId)` (billing/orgCreated.ts) in
// the mutation that creates an organization.
import type { PaginationResult } from "convex/server";
import { billingHost } from "../billingHost";
import type { ActionCtx, MutationCtx, QueryCtx } from "../_generated/server";
import { billingError } from "./errors";

/** Any Convex function context the module runs in (the module's one context alias). */
export type BillingCtx = QueryCtx | MutationCtx | ActionCtx;

/** What a member may do with billing; the host maps its roles to these. */
export type BillingPermission = "billing:read" | "billing:manage";

export interface HostUser {
  userId: string;
  email: string | null;
  name: string | null;
  /** May use the global admin functions (all orgs, catalog sync, import). */
  isGlobalAdmin: boolean;
}

export interface HostViewer extends HostUser {
  /** The org the caller is acting in (from their token/session), or null. */
  activeOrganizationId: string | null;
}

export interface HostMembership {
  /** The host's own role name, shown to the user (e.g. "owner"); billing never branches on it. */
  role: string;
  permissions: readonly BillingPermission[];
}

export interface HostOrganization {
  id: string;
  name: string;
  slug: string | null;
  createdAt: number;
}

/** Who receives receipts and billing email for an org. */
export interface HostOrgOwner {
  userId: string;
  name: string | null;
  email: string | null;
}

export interface OrganizationPageOptions {
  numItems: number;
  cursor: string | null;
  /** Names in [prefix, prefix + U+FFFF), name order; without it newest first. */
  namePrefix?: string;
}

export interface BillingHost {
  /** The signed-in caller, or null (not signed in, or the account is gone). */
  viewer(ctx: BillingCtx): Promise<HostViewer | null>;
  /** The user's role and billing permissions in the org, or null when not a member. */
  membership(ctx: BillingCtx, organizationId: string, userId: string): Promise<HostMembership | null>;
  /** Is `id` syntactically one of the host's org ids? (A real deployment's db.get throws on a foreign string.) */
  isOrganizationId(ctx: BillingCtx, id: string): Promise<boolean>;
  /** The organization, or null (also for a string that is not an org id). */
  organization(ctx: BillingCtx, organizationId: string): Promise<HostOrganization | null>;
  /** The org's owners, primary first (receipts go to the first). */
  owners(ctx: BillingCtx, organizationId: string): Promise<HostOrgOwner[]>;
  /** Organizations, one bounded page at a time (reconcile, admin list). */
  listOrganizations(ctx: QueryCtx, opts: OrganizationPageOptions): Promise<PaginationResult<HostOrganization>>;
}

/** The app's host (convex/billingHost.ts). */
export const host: BillingHost = billingHost;

/** A caller-supplied organization id, validated: INVALID_ARGUMENT {reason: "invalid_id"} when it is not one. */
export async function requireOrganizationId(ctx: BillingCtx, organizationId: string): Promise<string> {
  if (!(await host.isOrganizationId(ctx, organizationId))) {
    throw billingError("INVALID_ARGUMENT", "That is not an organization id", { reason: "invalid_id", field: "organizationId" });
  }
  return organizationId;
}
