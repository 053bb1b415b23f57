// Authentication: better-auth (email + password, organizations, global
// admins) running inside Convex through the locally installed component.
// The organization trigger provisions billing for every new org without
// making org creation wait on, or fail because of, Autumn.
import { createClient, type AuthFunctions, type GenericCtx } from "@convex-dev/better-auth";
import { betterAuth, type BetterAuthOptions } from "better-auth/minimal";
import { components, internal } from "./_generated/api";
import type { DataModel } from "./_generated/dataModel";
import authSchema from "./betterAuth/schema";
import { authPlugins } from "./authPlugins";
import { isBootstrapAdmin, setUserRole } from "./billing/orgDirectory";

const authFunctions: AuthFunctions = internal.auth;

export const authComponent = createClient<DataModel, typeof authSchema>(components.betterAuth, {
  local: { schema: authSchema },
  authFunctions,
  triggers: {
    user: {
      // Bootstrap global admins: a sign-up whose email is listed gets better-auth's admin role.
      onCreate: async (ctx, user) => {
        if (user.role !== "admin" && isBootstrapAdmin(user.email)) await setUserRole(ctx, user._id, "admin");
      },
    },
    organization: {
      onCreate: async (ctx, org) => {
        // Same transaction as the insert; the sync itself runs later, in an action.
        await ctx.scheduler.runAfter(0, internal.billing.provisioning.provisionOrganization, {
          organizationId: org._id,
        });
      },
    },
  },
});

export const { onCreate, onUpdate, onDelete } = authComponent.triggersApi();

export const createAuthOptions = (ctx: GenericCtx<DataModel>) =>
  ({
    baseURL: process.env.CONVEX_SITE_URL,
    secret: process.env.BETTER_AUTH_SECRET,
    trustedOrigins: process.env.SITE_URL ? [process.env.SITE_URL] : [],
    database: authComponent.adapter(ctx),
    emailAndPassword: { enabled: true, requireEmailVerification: false, autoSignIn: true },
    plugins: authPlugins(),
  }) satisfies BetterAuthOptions;

export const createAuth = (ctx: GenericCtx<DataModel>) => betterAuth(createAuthOptions(ctx));
