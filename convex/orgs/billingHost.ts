// The billing module's host (billing/host.ts) over better-auth: the caller
// from the Convex identity (activeOrganizationId claim), org roles mapped to
// billing permissions HERE (the module never sees role names), owners for
// receipts, organizations paged on the component's indexes. Exposed to the
// module by convex/billingHost.ts.
import type { BillingHost, BillingPermission } from "../billing/host";
import { findMember, findOrganization, findOwners, findUser, isBootstrapAdmin, listOrganizations, normalizeAuthId, type OrganizationDoc } from "./directory";
import { strongestRole, type OrgRole } from "./roles";

/** Roles → billing permissions: owners manage billing; everyone in the org reads it. */
export const ROLE_PERMISSIONS: Record<OrgRole, readonly BillingPermission[]> = {
  owner: ["billing:read", "billing:manage"],
  admin: ["billing:read"],
  member: ["billing:read"],
};

const orgOf = (org: OrganizationDoc) => ({ id: org._id, name: org.name, slug: org.slug ?? null, createdAt: org.createdAt });

export const betterAuthBillingHost: BillingHost = {
  async viewer(ctx) {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) return null;
    const user = await findUser(ctx, identity.subject);
    if (!user) return null;
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
  },

  async membership(ctx, organizationId, userId) {
    const role = strongestRole((await findMember(ctx, organizationId, userId))?.role);
    return role ? { role, permissions: ROLE_PERMISSIONS[role] } : null;
  },

  async isOrganizationId(ctx, id) {
    return (await normalizeAuthId(ctx, "organization", id)) !== null;
  },

  async organization(ctx, organizationId) {
    const org = await findOrganization(ctx, organizationId);
    return org ? orgOf(org) : null;
  },

  async owners(ctx, organizationId) {
    const owners = await findOwners(ctx, organizationId);
    return Promise.all(owners.map(async (owner) => {
      const user = await findUser(ctx, owner.userId);
      return { userId: owner.userId, name: user?.name ?? null, email: user?.email ?? null };
    }));
  },

  async listOrganizations(ctx, opts) {
    const result = await listOrganizations(ctx, opts);
    return { ...result, page: result.page.map(orgOf) };
  },
};
