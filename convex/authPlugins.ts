// better-auth plugins, shared by the runtime (auth.ts) and the offline
// schema generator (scripts/generate-auth-schema.ts) so the component's
// tables always match the plugins in use.
import { convex } from "@convex-dev/better-auth/plugins";
import { admin, organization } from "better-auth/plugins";
import authConfig from "./auth.config";

export const ORG_ROLES = ["owner", "admin", "member"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export function authPlugins() {
  return [
    organization({
      allowUserToCreateOrganization: true,
      creatorRole: "owner",
    }),
    // Global admins: user.role === "admin" (the first can be bootstrapped from BILLING_ADMIN_EMAILS).
    admin({ defaultRole: "user", adminRoles: ["admin"] }),
    convex({
      authConfig,
      jwt: {
        // The Convex identity carries the active organization, so billing
        // functions resolve the org from the token, never from arguments.
        definePayload: ({ user, session }) => ({
          name: user.name,
          email: user.email,
          activeOrganizationId: (session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null,
        }),
      },
    }),
  ];
}
