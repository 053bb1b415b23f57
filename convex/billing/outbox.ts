// The email outbox as the dev stack's /dev/outbox page shows it: every email
// the module sent or kept (billingEmailOutbox, email.ts), newest first. The
// org's owners see their org's mail; global admins see everyone's. Emails
// go to owners only, so members and admins of the org see nothing here.
import { v } from "convex/values";
import { query } from "../_generated/server";
import { canManage, membershipIn, requireCaller } from "./functions";
import { emailProvider } from "./email";
import { outboxFields } from "./spendSchema";

export const MAX_OUTBOX = 100;

export const listOutbox = query({
  args: { limit: v.optional(v.number()) },
  returns: v.object({
    provider: v.union(v.literal("local"), v.literal("resend")),
    scope: v.union(v.literal("organization"), v.literal("all"), v.literal("none")),
    emails: v.array(v.object({ _id: v.id("billingEmailOutbox"), _creationTime: v.number(), ...outboxFields })),
  }),
  handler: async (ctx, { limit }) => {
    const caller = await requireCaller(ctx);
    const n = Math.min(MAX_OUTBOX, Math.max(1, Math.floor(limit ?? 50)));
    const provider = emailProvider();
    if (caller.isGlobalAdmin) {
      return { provider, scope: "all" as const, emails: await ctx.db.query("billingEmailOutbox").withIndex("by_createdAt").order("desc").take(n) };
    }
    const orgId = caller.activeOrganizationId;
    // The billing emails go to the people who manage billing: they may read them (the host maps its roles to that).
    const membership = orgId ? await membershipIn(ctx, orgId, caller.userId) : null;
    if (!orgId || !membership || !canManage(membership)) return { provider, scope: "none" as const, emails: [] };
    const emails = await ctx.db.query("billingEmailOutbox").withIndex("by_org_createdAt", (q) => q.eq("organizationId", orgId)).order("desc").take(n);
    return { provider, scope: "organization" as const, emails };
  },
});
