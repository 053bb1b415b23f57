// A tiny app for the offline host's protocol tests.
import { ConvexError, v } from "convex/values";
import { makeFunctionReference } from "convex/server";
import { action, internalMutation, mutation, query } from "./_generated/server";

export const list = query({
  args: {},
  handler: async (ctx) => (await ctx.db.query("messages").collect()).map((m) => ({ body: m.body, author: m.author })),
});

export const count = query({
  args: {},
  handler: async (ctx) => (await ctx.db.query("messages").collect()).length,
});

export const ticks = query({
  args: {},
  handler: async (ctx) => (await ctx.db.query("ticks").collect()).length,
});

export const send = mutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    const identity = await ctx.auth.getUserIdentity();
    return await ctx.db.insert("messages", { body, author: identity?.subject ?? null });
  },
});

export const fail = mutation({
  args: {},
  handler: async () => {
    throw new ConvexError({ code: "NOPE", message: "always fails" });
  },
});

const insertLater = makeFunctionReference<"mutation", { body: string }, null>("messages:insert");

export const sendLater = mutation({
  args: { body: v.string(), delayMs: v.number() },
  handler: async (ctx, { body, delayMs }) => {
    await ctx.scheduler.runAfter(delayMs, insertLater, { body });
    return null;
  },
});

export const insert = internalMutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    await ctx.db.insert("messages", { body, author: null });
  },
});

export const tick = internalMutation({
  args: {},
  handler: async (ctx) => {
    await ctx.db.insert("ticks", { at: Date.now() });
  },
});

export const shout = action({
  args: { body: v.string() },
  handler: async (_ctx, { body }) => body.toUpperCase(),
});

/** Two documents in one transaction: after a crash both exist or neither does. */
export const sendPair = mutation({
  args: { tag: v.string() },
  handler: async (ctx, { tag }) => {
    const a = await ctx.db.insert("messages", { body: `${tag}:a`, author: null });
    const b = await ctx.db.insert("messages", { body: `${tag}:b`, author: null });
    return [a, b];
  },
});

export const ids = query({
  args: {},
  handler: async (ctx) => (await ctx.db.query("messages").collect()).map((m) => ({ id: m._id, body: m.body })),
});
