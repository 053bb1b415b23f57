// Role-checked function builders (the convex-helpers customFunctions
// pattern). Every public billing function is built from one of these, so
// none can forget its permission check, and every one resolves the org from
// the caller's token (activeOrganizationId), never from an argument.
//
//   billing:read   → org owner, admin, member
//   billing:manage → org owner
//   admin          → global admins (better-auth admin plugin role "admin",
//                    or a VERIFIED email listed in BILLING_ADMIN_EMAILS)
import { customAction, customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { action, mutation, query, type ActionCtx, type MutationCtx, type QueryCtx } from "../_generated/server";
import type { OrgRole } from "../authPlugins";
import { billingError } from "./errors";
import { findMember, findUser, isBootstrapAdmin } from "./orgDirectory";

export type Permission = "billing:read" | "billing:manage";

const ROLE_PERMISSIONS: Record<OrgRole, readonly Permission[]> = {
  owner: ["billing:read", "billing:manage"],
  admin: ["billing:read"],
  member: ["billing:read"],
};

export interface Caller {
  userId: string;
  email: string | null;
  name: string | null;
  isGlobalAdmin: boolean;
}

export interface OrgViewer extends Caller {
  organizationId: string;
  role: OrgRole;
}

type AnyCtx = QueryCtx | MutationCtx | ActionCtx;

/** The authenticated caller, or UNAUTHENTICATED. */
export async function requireCaller(ctx: AnyCtx): Promise<Caller & { activeOrganizationId: string | null }> {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw billingError("UNAUTHENTICATED", "Sign in to use billing");
  const user = await findUser(ctx, identity.subject);
  if (!user) throw billingError("UNAUTHENTICATED", "Your account no longer exists");
  const email = user.email ?? null;
  const active = identity.activeOrganizationId;
  return {
    userId: user._id,
    email,
    name: user.name ?? null,
    // A listed address counts only once verified: signing up with someone else's address proves nothing.
    isGlobalAdmin: user.role === "admin" || (user.emailVerified === true && isBootstrapAdmin(email)),
    activeOrganizationId: typeof active === "string" && active.length > 0 ? active : null,
  };
}

/** The caller's role in an organization, or null when not a member. */
export async function roleIn(ctx: AnyCtx, organizationId: string, userId: string): Promise<OrgRole | null> {
  const role = (await findMember(ctx, organizationId, userId))?.role;
  // better-auth stores multiple roles comma-separated; the strongest wins.
  const roles = (role ?? "").split(",").map((r) => r.trim());
  if (roles.includes("owner")) return "owner";
  if (roles.includes("admin")) return "admin";
  if (roles.includes("member")) return "member";
  return null;
}

/** The caller in their active organization, holding `permission`; typed errors otherwise. */
export async function requireOrgPermission(ctx: AnyCtx, permission: Permission): Promise<OrgViewer> {
  const caller = await requireCaller(ctx);
  const organizationId = caller.activeOrganizationId;
  if (!organizationId) throw billingError("NO_ACTIVE_ORGANIZATION", "Choose an organization first");
  const role = await roleIn(ctx, organizationId, caller.userId);
  if (!role) throw billingError("FORBIDDEN", "You are not a member of this organization", { permission });
  if (!ROLE_PERMISSIONS[role].includes(permission)) {
    throw billingError("FORBIDDEN", "Only the organization owner can change billing", { permission, role });
  }
  const { activeOrganizationId: _active, ...rest } = caller;
  return { ...rest, organizationId, role };
}

export async function requireGlobalAdmin(ctx: AnyCtx): Promise<Caller> {
  const caller = await requireCaller(ctx);
  if (!caller.isGlobalAdmin) throw billingError("FORBIDDEN", "Only global admins can do this", { permission: "admin" });
  const { activeOrganizationId: _active, ...rest } = caller;
  return rest;
}

// ── builders ───────────────────────────────────────────────────────────────

const withOrg = (permission: Permission) =>
  customCtx(async (ctx: AnyCtx) => ({ viewer: await requireOrgPermission(ctx, permission) }));
const withAdmin = customCtx(async (ctx: AnyCtx) => ({ admin: await requireGlobalAdmin(ctx) }));

/** Queries any member of the active org may call (billing:read). */
export const memberQuery = customQuery(query, withOrg("billing:read"));
export const memberMutation = customMutation(mutation, withOrg("billing:read"));
export const memberAction = customAction(action, withOrg("billing:read"));
/** Actions only the org owner may call (billing:manage). */
export const ownerAction = customAction(action, withOrg("billing:manage"));
/** Global-admin-only functions. */
export const adminQuery = customQuery(query, withAdmin);
export const adminAction = customAction(action, withAdmin);
