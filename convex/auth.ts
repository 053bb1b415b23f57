// Authentication: better-auth (email + password, organizations, global
// admins) running inside Convex through the locally installed component.
// The organization trigger provisions billing for every new org without
// making org creation wait on, or fail because of, Autumn.
//
// Safe defaults on a real deployment (where NODE_ENV is never "production",
// so better-auth's own guard never fires):
//  - BETTER_AUTH_SECRET must be set to a real secret (≥ 32 characters, not
//    better-auth's public default nor the .env.example placeholder); every
//    auth request is refused until it is (`requireAuthSecret`).
//  - Global admins: an address listed in BILLING_ADMIN_EMAILS becomes admin
//    only once it is VERIFIED (signing up with someone's address is not
//    enough); otherwise an operator promotes explicitly:
//      npx convex run admins:promote '{"email":"you@example.com"}'
//    (convex/admins.ts).
import { createClient, type AuthFunctions, type GenericCtx } from "@convex-dev/better-auth";
import { betterAuth, type BetterAuthOptions } from "better-auth/minimal";
import { components, internal } from "./_generated/api";
import type { DataModel } from "./_generated/dataModel";
import authSchema from "./betterAuth/schema";
import { authPlugins } from "./authPlugins";
import { onOrganizationCreated } from "./billing/orgCreated";
import { isBootstrapAdmin, setUserRole } from "./orgs/directory";

/** better-auth's built-in fallback secret (public: in its source) and our own placeholder. */
const PUBLIC_SECRETS = new Set(["better-auth-secret-12345678901234567890", "change-me-to-32-random-characters"]);
export const MIN_SECRET_LENGTH = 32;

/** The configured BETTER_AUTH_SECRET, or an error saying how to set one. */
export function requireAuthSecret(env: Record<string, string | undefined> = process.env): string {
  const secret = env.BETTER_AUTH_SECRET?.trim();
  if (!secret) {
    throw new Error("BETTER_AUTH_SECRET is not set: refusing to sign sessions with a public default. Run: npx convex env set BETTER_AUTH_SECRET $(openssl rand -base64 32)");
  }
  if (PUBLIC_SECRETS.has(secret) || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`BETTER_AUTH_SECRET is a public default or shorter than ${MIN_SECRET_LENGTH} characters: set a random one (openssl rand -base64 32)`);
  }
  return secret;
}

/** A verified address listed in BILLING_ADMIN_EMAILS (an unverified sign-up proves nothing). */
function verifiedBootstrapAdmin(user: { email?: string | null; emailVerified?: boolean | null; role?: string | null }): boolean {
  return user.role !== "admin" && user.emailVerified === true && isBootstrapAdmin(user.email);
}

const authFunctions: AuthFunctions = internal.auth;

export const authComponent = createClient<DataModel, typeof authSchema>(components.betterAuth, {
  local: { schema: authSchema },
  authFunctions,
  triggers: {
    user: {
      // Bootstrap global admins: a listed address gets better-auth's admin role once it is verified.
      onCreate: async (ctx, user) => {
        if (verifiedBootstrapAdmin(user)) await setUserRole(ctx, user._id, "admin");
      },
      onUpdate: async (ctx, user, previous) => {
        if (previous.emailVerified !== true && verifiedBootstrapAdmin(user)) await setUserRole(ctx, user._id, "admin");
      },
    },
    organization: {
      // The billing host's org-created hook (billing/host.ts): provisioning scheduled in the same
      // transaction as the insert, and a catalog sync while the plan cache is empty.
      onCreate: async (ctx, org) => onOrganizationCreated(ctx, org._id),
    },
  },
});

export const { onCreate, onUpdate, onDelete } = authComponent.triggersApi();

export const createAuthOptions = (ctx: GenericCtx<DataModel>) =>
  ({
    baseURL: process.env.CONVEX_SITE_URL,
    // Checked where requests are served (createAuth); static uses (schema, route registration) sign nothing.
    secret: process.env.BETTER_AUTH_SECRET,
    trustedOrigins: process.env.SITE_URL ? [process.env.SITE_URL] : [],
    database: authComponent.adapter(ctx),
    emailAndPassword: { enabled: true, requireEmailVerification: false, autoSignIn: true },
    plugins: authPlugins(),
  }) satisfies BetterAuthOptions;

/**
 * better-auth for one request. `registerRoutes` also calls this once at module
 * load with `{}` (to read static options); only a real function context must
 * have a secret, so a deployment without one still pushes, then refuses auth.
 */
export const createAuth = (ctx: GenericCtx<DataModel>) => {
  if ("runQuery" in ctx || "db" in ctx) requireAuthSecret();
  return betterAuth(createAuthOptions(ctx));
};
