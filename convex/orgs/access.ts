// The app's own access checks for its features (chat, branding, members):
// who the caller is and their role in the active organization, from
// better-auth (orgs/directory.ts). Builders in the convex-helpers
// customFunctions style, so no demo function forgets its check. Errors are
// the app's (orgs/errors.ts), not billing's.
import { customAction, customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { action, mutation, query, type ActionCtx, type MutationCtx, type QueryCtx } from "../_generated/server";
import { findMember, findUser } from "./directory";
import { appError } from "./errors";
import { strongestRole, type OrgRole } from "./roles";

export type AppCtx = QueryCtx | MutationCtx | ActionCtx;

export interface OrgMember {
  userId: string;
  organizationId: string;
  role: OrgRole;
}

/** The signed-in caller in their active organization, optionally holding one of `roles`. */
export async function requireOrgMember(ctx: AppCtx, roles?: readonly OrgRole[]): Promise<OrgMember> {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw appError("UNAUTHENTICATED", "Sign in first");
  const user = await findUser(ctx, identity.subject);
  if (!user) throw appError("UNAUTHENTICATED", "Your account no longer exists");
  const active = identity.activeOrganizationId;
  if (typeof active !== "string" || active.length === 0) throw appError("NO_ACTIVE_ORGANIZATION", "Choose an organization first");
  const role = strongestRole((await findMember(ctx, active, user._id))?.role);
  if (!role) throw appError("FORBIDDEN", "You are not a member of this organization");
  if (roles && !roles.includes(role)) throw appError("FORBIDDEN", `Only ${roles.join(" or ")}s can do this`, { role });
  return { userId: user._id, organizationId: active, role };
}

const withMember = (roles?: readonly OrgRole[]) => customCtx(async (ctx: AppCtx) => ({ viewer: await requireOrgMember(ctx, roles) }));

/** Any member of the active organization. */
export const orgQuery = customQuery(query, withMember());
export const orgMutation = customMutation(mutation, withMember());
export const orgAction = customAction(action, withMember());
/** The active organization's owner only. */
export const orgOwnerAction = customAction(action, withMember(["owner"]));
