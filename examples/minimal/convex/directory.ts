// This app's users / orgs / memberships, read by the billing host
// (billingHost.ts). Internal queries, so actions (which have no db) can ask too.
import { v } from "convex/values";
import { internalQuery } from "./_generated/server";

const userValidator = v.object({ userId: v.string(), name: v.string(), email: v.string(), isAdmin: v.boolean() });
const orgValidator = v.object({ id: v.string(), name: v.string(), slug: v.null(), createdAt: v.number() });

export const userBySubject = internalQuery({
  args: { subject: v.string() },
  returns: v.union(userValidator, v.null()),
  handler: async (ctx, { subject }) => {
    const u = await ctx.db.query("users").withIndex("by_subject", (q) => q.eq("subject", subject)).unique();
    return u ? { userId: u._id, name: u.name, email: u.email, isAdmin: u.isAdmin } : null;
  },
});

export const role = internalQuery({
  args: { orgId: v.string(), userId: v.string() },
  returns: v.union(v.literal("admin"), v.literal("viewer"), v.null()),
  handler: async (ctx, args) => {
    const orgId = ctx.db.normalizeId("orgs", args.orgId);
    const userId = ctx.db.normalizeId("users", args.userId);
    if (!orgId || !userId) return null;
    const m = await ctx.db.query("memberships").withIndex("by_org_user", (q) => q.eq("orgId", orgId).eq("userId", userId)).unique();
    return m?.role ?? null;
  },
});

export const isOrgId = internalQuery({
  args: { id: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { id }) => ctx.db.normalizeId("orgs", id) !== null,
});

export const org = internalQuery({
  args: { id: v.string() },
  returns: v.union(orgValidator, v.null()),
  handler: async (ctx, { id }) => {
    const orgId = ctx.db.normalizeId("orgs", id);
    const o = orgId ? await ctx.db.get(orgId) : null;
    return o ? { id: o._id, name: o.name, slug: null, createdAt: o.createdAt } : null;
  },
});

export const admins = internalQuery({
  args: { id: v.string() },
  returns: v.array(v.object({ userId: v.string(), name: v.union(v.string(), v.null()), email: v.union(v.string(), v.null()) })),
  handler: async (ctx, { id }) => {
    const orgId = ctx.db.normalizeId("orgs", id);
    if (!orgId) return [];
    const rows = await ctx.db.query("memberships").withIndex("by_org_role", (q) => q.eq("orgId", orgId).eq("role", "admin")).take(20);
    const users = await Promise.all(rows.map((m) => ctx.db.get(m.userId)));
    return users.flatMap((u) => (u ? [{ userId: u._id, name: u.name, email: u.email }] : []));
  },
});
