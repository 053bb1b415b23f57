// Role-checked function builders (the convex-helpers customFunctions
// pattern). Every public billing function is built from one of these, so
// none can forget its permission check, and every one resolves the org from
// the caller's token (activeOrganizationId), never from an argument.
//
//   billing:read   → read the org's billing (the host maps its roles)
//   billing:manage → change it (plans, add-ons, controls)
//   admin          → the host's global admins
//
// Who the caller is and what they may do comes from the app's host
// (billing/host.ts); the module knows no role names and no auth library.
import { customAction, customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { action, mutation, query } from "../_generated/server";
import { billingError } from "./errors";
import { host, type BillingCtx, type BillingPermission, type HostMembership, type HostUser } from "./host";

export type Permission = BillingPermission;
export type Caller = HostUser;

export interface OrgViewer extends Caller {
  organizationId: string;
  /** The host's role name (display only). */
  role: string;
  permissions: readonly Permission[];
}

/** The authenticated caller, or UNAUTHENTICATED. */
export async function requireCaller(ctx: BillingCtx): Promise<Caller & { activeOrganizationId: string | null }> {
  const viewer = await host.viewer(ctx);
  if (!viewer) throw billingError("UNAUTHENTICATED", "Sign in to use billing");
  return viewer;
}

/** The caller's membership (role and permissions) in an organization, or null when not a member. */
export function membershipIn(ctx: BillingCtx, organizationId: string, userId: string): Promise<HostMembership | null> {
  return host.membership(ctx, organizationId, userId);
}


/** May this viewer change billing? */
export function canManage(viewer: { permissions: readonly Permission[] }): boolean {
  return viewer.permissions.includes("billing:manage");
}

/** The caller in their active organization, holding `permission`; typed errors otherwise. */
export async function requireOrgPermission(ctx: BillingCtx, permission: Permission): Promise<OrgViewer> {
  const caller = await requireCaller(ctx);
  const organizationId = caller.activeOrganizationId;
  if (!organizationId) throw billingError("NO_ACTIVE_ORGANIZATION", "Choose an organization first");
  const membership = await membershipIn(ctx, organizationId, caller.userId);
  if (!membership) throw billingError("FORBIDDEN", "You are not a member of this organization", { permission });
  if (!membership.permissions.includes(permission)) {
    throw billingError("FORBIDDEN", "Only the organization owner can change billing", { permission, role: membership.role });
  }
  const { activeOrganizationId: _active, ...rest } = caller;
  return { ...rest, organizationId, role: membership.role, permissions: membership.permissions };
}

export async function requireGlobalAdmin(ctx: BillingCtx): Promise<Caller> {
  const caller = await requireCaller(ctx);
  if (!caller.isGlobalAdmin) throw billingError("FORBIDDEN", "Only global admins can do this", { permission: "admin" });
  const { activeOrganizationId: _active, ...rest } = caller;
  return rest;
}

// ── builders ───────────────────────────────────────────────────────────────

const withOrg = (permission: Permission) =>
  customCtx(async (ctx: BillingCtx) => ({ viewer: await requireOrgPermission(ctx, permission) }));
const withAdmin = customCtx(async (ctx: BillingCtx) => ({ admin: await requireGlobalAdmin(ctx) }));

/** Queries any member of the active org may call (billing:read). */
export const memberQuery = customQuery(query, withOrg("billing:read"));
export const memberMutation = customMutation(mutation, withOrg("billing:read"));
export const memberAction = customAction(action, withOrg("billing:read"));
/** Actions only the org owner may call (billing:manage). */
export const ownerAction = customAction(action, withOrg("billing:manage"));
/** Global-admin-only functions. */
export const adminQuery = customQuery(query, withAdmin);
export const adminAction = customAction(action, withAdmin);
