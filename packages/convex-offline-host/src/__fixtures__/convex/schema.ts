import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  messages: defineTable({ body: v.string(), author: v.union(v.string(), v.null()) }),
  ticks: defineTable({ at: v.number() }),
});
