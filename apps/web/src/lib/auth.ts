// The better-auth client: email + password, organizations, global admins,
// and the Convex plugin that exchanges the session for a Convex JWT.
import { convexClient } from "@convex-dev/better-auth/client/plugins";
import { adminClient, organizationClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

export const authClient = createAuthClient({
  baseURL: typeof window === "undefined" ? "http://127.0.0.1:5173" : window.location.origin,
  plugins: [convexClient(), organizationClient(), adminClient()],
});
