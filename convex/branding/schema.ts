// The demo's branding settings: one row per organization (a brand colour and
// the text shown as the logo). Gated by the `custom_branding` feature.
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const brandingFields = {
  organizationId: v.string(),
  /** "#rrggbb". */
  color: v.string(),
  logoText: v.string(),
  updatedAt: v.number(),
  updatedBy: v.string(),
};

export const brandingTables = {
  branding: defineTable(brandingFields).index("by_organizationId", ["organizationId"]),
};
