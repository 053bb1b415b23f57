// Id validation for the app (orgs/directory.ts). On a real deployment
// `ctx.db.get` THROWS on a string that is not an id (convex-test returns
// null), and only this component's own `db` can normalize ids of its tables.
// The app calls this before any `_id` lookup of a caller-supplied id.
import { v } from "convex/values";
import { query } from "./_generated/server";

export const normalize = query({
  args: { table: v.union(v.literal("user"), v.literal("organization"), v.literal("member")), id: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { table, id }) => ctx.db.normalizeId(table, id),
});
