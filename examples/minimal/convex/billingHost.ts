// Step 4: the billing host (the module's one contract, billing/host.ts) over
// this app's custom-JWT identity and orgs table. Roles map to billing
// permissions here: "admin" manages billing, "viewer" reads it.
import { internal } from "./_generated/api";
import type { BillingHost, BillingPermission } from "./billing/host";

const PERMISSIONS: Record<"admin" | "viewer", readonly BillingPermission[]> = {
  admin: ["billing:read", "billing:manage"],
  viewer: ["billing:read"],
};

export const billingHost: BillingHost = {
  async viewer(ctx) {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) return null;
    const user = await ctx.runQuery(internal.directory.userBySubject, { subject: identity.subject });
    if (!user) return null;
    const org = identity.org;
    return {
      userId: user.userId, email: user.email, name: user.name, isGlobalAdmin: user.isAdmin,
      activeOrganizationId: typeof org === "string" && org.length > 0 ? org : null,
    };
  },
  async membership(ctx, organizationId, userId) {
    const role = await ctx.runQuery(internal.directory.role, { orgId: organizationId, userId });
    return role ? { role, permissions: PERMISSIONS[role] } : null;
  },
  isOrganizationId: (ctx, id) => ctx.runQuery(internal.directory.isOrgId, { id }),
  organization: (ctx, id) => ctx.runQuery(internal.directory.org, { id }),
  owners: (ctx, id) => ctx.runQuery(internal.directory.admins, { id }),
  async listOrganizations(ctx, { numItems, cursor, namePrefix }) {
    const page = namePrefix
      ? await ctx.db.query("orgs").withIndex("by_name", (q) => q.gte("name", namePrefix).lt("name", `${namePrefix}\uffff`)).paginate({ numItems, cursor })
      : await ctx.db.query("orgs").withIndex("by_createdAt").order("desc").paginate({ numItems, cursor });
    return { ...page, page: page.page.map((o) => ({ id: o._id, name: o.name, slug: null, createdAt: o.createdAt })) };
  },
};
