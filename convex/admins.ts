// Global admins, promoted explicitly by the operator (never by signing up
// with a listed address; see auth.ts). Internal: only someone with the
// deployment's admin key can run these:
//
//   npx convex run admins:promote '{"email":"you@example.com"}'
//   npx convex run admins:demote  '{"email":"former@example.com"}'
//
// The account must exist (sign up first). Running promote twice is a no-op.
import { v } from "convex/values";
import { components } from "./_generated/api";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { setUserRole, type UserDoc } from "./orgs/directory";

type PackagedModel = "user" | "session";

async function userByEmail(ctx: MutationCtx, email: string): Promise<UserDoc> {
  const normalized = email.trim().toLowerCase();
  const user = (await ctx.runQuery(components.betterAuth.adapter.findOne, {
    model: "user" as PackagedModel,
    where: [{ field: "email", value: normalized }],
  })) as UserDoc | null;
  if (!user) throw new Error(`No account with the email ${normalized}: sign up first, then promote`);
  return user;
}

const result = v.object({ userId: v.string(), email: v.string(), role: v.string(), changed: v.boolean() });

export const promote = internalMutation({
  args: { email: v.string() },
  returns: result,
  handler: async (ctx, { email }) => {
    const user = await userByEmail(ctx, email);
    if (user.role === "admin") return { userId: user._id, email: user.email, role: "admin", changed: false };
    await setUserRole(ctx, user._id, "admin");
    return { userId: user._id, email: user.email, role: "admin", changed: true };
  },
});

export const demote = internalMutation({
  args: { email: v.string() },
  returns: result,
  handler: async (ctx, { email }) => {
    const user = await userByEmail(ctx, email);
    if (user.role !== "admin") return { userId: user._id, email: user.email, role: user.role ?? "user", changed: false };
    await setUserRole(ctx, user._id, "user");
    return { userId: user._id, email: user.email, role: "user", changed: true };
  },
});
