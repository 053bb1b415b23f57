// Convex verifies the JWTs better-auth issues (its JWKS is served by the
// auth routes in http.ts).
import { getAuthConfigProvider } from "@convex-dev/better-auth/auth-config";
import type { AuthConfig } from "convex/server";

export default {
  providers: [getAuthConfigProvider()],
} satisfies AuthConfig;
