// The app's organizations. Step 5: creating one calls the module's
// org-created hook in the same mutation.
import { v } from "convex/values";
import { onOrganizationCreated } from "./billing/orgCreated";
import { mutation } from "./_generated/server";

export const create = mutation({
  args: { name: v.string() },
  returns: v.id("orgs"),
  handler: async (ctx, { name }) => {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) throw new Error("Sign in first");
    const user = await ctx.db.query("users").withIndex("by_subject", (q) => q.eq("subject", identity.subject)).unique();
    if (!user) throw new Error("Unknown user");
    const orgId = await ctx.db.insert("orgs", { name, createdAt: Date.now() });
    await ctx.db.insert("memberships", { orgId, userId: user._id, role: "admin" });
    await onOrganizationCreated(ctx, orgId);
    return orgId;
  },
});
