// The app's metered feature. Step 8: the work runs inside withMeteredUsage,
// so it runs only when the org has a unit left and is counted once; its
// mutation is a meteredMutation, so the summary and the usage it owes commit
// in one transaction.
import { ConvexError, v } from "convex/values";
import { withMeteredUsage } from "./billing/meteredUsage";
import { meteredMutation } from "./billing/meteredWork";
import { internal } from "./_generated/api";
import { action, query } from "./_generated/server";

export const save = meteredMutation({
  args: { orgId: v.string(), userId: v.string(), text: v.string() },
  returns: v.null(),
  handler: async (ctx, { orgId, userId, text }) => {
    const org = ctx.db.normalizeId("orgs", orgId);
    const user = ctx.db.normalizeId("users", userId);
    if (!org || !user) throw new ConvexError({ code: "INVALID_ARGUMENT", message: "Unknown org or user" });
    await ctx.db.insert("summaries", { orgId: org, userId: user, text });
    return null;
  },
});

export const list = query({
  args: {},
  returns: v.array(v.string()),
  handler: async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    const org = typeof identity?.org === "string" ? ctx.db.normalizeId("orgs", identity.org) : null;
    if (!org) return [];
    return (await ctx.db.query("summaries").withIndex("by_org", (q) => q.eq("orgId", org)).take(50)).map((s) => s.text);
  },
});

export const summarize = action({
  args: { text: v.string(), requestId: v.string() },
  returns: v.string(),
  handler: async (ctx, { text, requestId }): Promise<string> => {
    const identity = await ctx.auth.getUserIdentity();
    const user = identity ? await ctx.runQuery(internal.directory.userBySubject, { subject: identity.subject }) : null;
    const organizationId = typeof identity?.org === "string" ? identity.org : null;
    if (!user || !organizationId) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Sign in and choose an organization" });
    const role = await ctx.runQuery(internal.directory.role, { orgId: organizationId, userId: user.userId });
    if (!role) throw new ConvexError({ code: "FORBIDDEN", message: "Not a member of this organization" });
    return withMeteredUsage(ctx, { organizationId, featureId: "standard_messages", units: 1, idempotencyKey: `summary:${organizationId}:${requestId}`, recordsDone: true }, async (ticket) => {
      const summary = text.split(/\s+/).slice(0, 5).join(" ");
      await ctx.runMutation(internal.summaries.save, { orgId: organizationId, userId: user.userId, text: summary, meteringTicket: ticket });
      return summary;
    });
  },
});
