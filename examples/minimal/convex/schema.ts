// Step 3: the app's schema spreads the module's tables.
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { billingTables } from "./billing/schema";

export default defineSchema({
  ...billingTables,
  users: defineTable({ subject: v.string(), name: v.string(), email: v.string(), isAdmin: v.boolean() }).index("by_subject", ["subject"]),
  orgs: defineTable({ name: v.string(), createdAt: v.number() }).index("by_name", ["name"]).index("by_createdAt", ["createdAt"]),
  // Roles of this app: "admin" (manages billing) and "viewer".
  memberships: defineTable({ orgId: v.id("orgs"), userId: v.id("users"), role: v.union(v.literal("admin"), v.literal("viewer")) })
    .index("by_org_user", ["orgId", "userId"])
    .index("by_org_role", ["orgId", "role"]),
  summaries: defineTable({ orgId: v.id("orgs"), userId: v.id("users"), text: v.string() }).index("by_org", ["orgId"]),
});
