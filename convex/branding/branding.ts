// Per-organization branding (demo feature behind `custom_branding`).
// Reading is open to every member (the sidebar shows the brand); saving
// needs the feature on the org's plan (checked from the billing cache with
// requireFeature, so the server enforces what <BillingGuard> shows) and an
// owner or admin role.
import { v } from "convex/values";
import { checkOrgFeature, requireFeature } from "../billing/access";
import { orgMutation, orgQuery } from "../orgs/access";
import { appError } from "../orgs/errors";

export const BRANDING_FEATURE_ID = "custom_branding";
export const DEFAULT_BRANDING = { color: "#4f46e5", logoText: "" } as const;
const LOGO_TEXT_MAX = 40;

const brandingView = v.object({
  color: v.string(),
  logoText: v.string(),
  updatedAt: v.union(v.number(), v.null()),
  /** The org's plan includes custom branding (otherwise the defaults apply). */
  enabled: v.boolean(),
});

/** The active org's branding (defaults until saved, or when the plan no longer includes the feature). */
export const getBranding = orgQuery({
  args: {},
  returns: brandingView,
  handler: async (ctx) => {
    const organizationId = ctx.viewer.organizationId;
    const row = await ctx.db.query("branding").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
    const enabled = (await checkOrgFeature(ctx, organizationId, BRANDING_FEATURE_ID)).allowed;
    if (!row || !enabled) return { ...DEFAULT_BRANDING, updatedAt: row?.updatedAt ?? null, enabled };
    return { color: row.color, logoText: row.logoText, updatedAt: row.updatedAt, enabled };
  },
});

/** Owners and admins, on a plan with custom branding: save the colour and logo text. */
export const saveBranding = orgMutation({
  args: { color: v.string(), logoText: v.string() },
  returns: v.null(),
  handler: async (ctx, { color, logoText }) => {
    const { organizationId, role, userId } = ctx.viewer;
    if (role === "member") throw appError("FORBIDDEN", "Only owners and admins can change branding");
    await requireFeature(ctx, organizationId, BRANDING_FEATURE_ID);
    if (!/^#[0-9a-f]{6}$/i.test(color)) throw appError("INVALID_ARGUMENT", "The colour must look like #1a2b3c");
    const text = logoText.trim();
    if (text.length > LOGO_TEXT_MAX) throw appError("INVALID_ARGUMENT", `Logo text is at most ${LOGO_TEXT_MAX} characters`);
    const row = await ctx.db.query("branding").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
    const fields = { color: color.toLowerCase(), logoText: text, updatedAt: Date.now(), updatedBy: userId };
    if (row) await ctx.db.patch(row._id, fields);
    else await ctx.db.insert("branding", { organizationId, ...fields });
    return null;
  },
});
