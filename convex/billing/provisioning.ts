// Placeholder replaced below in this session.
import { v } from "convex/values";
import { internalAction } from "../_generated/server";
export const provisionOrganization = internalAction({ args: { organizationId: v.string() }, returns: v.null(), handler: async () => null });
