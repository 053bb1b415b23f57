// The demo feature's table: chat messages, one row per metered send. The
// app schema spreads `chatTables` next to the billing module's tables.
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const messageFields = {
  organizationId: v.string(),
  userId: v.string(),
  /** Model id from models.ts, e.g. "swift-mini". */
  model: v.string(),
  /** The metered billing feature the message was charged to. */
  feature: v.string(),
  prompt: v.string(),
  reply: v.string(),
  createdAt: v.number(),
};

export const chatTables = {
  messages: defineTable(messageFields).index("by_organizationId_createdAt", ["organizationId", "createdAt"]),
};
