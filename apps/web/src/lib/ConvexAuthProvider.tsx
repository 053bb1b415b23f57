// Connects Convex auth to the better-auth session. The Convex JWT carries
// the active organization, so the token is keyed on (session, active org):
// switching organizations fetches a fresh token at once instead of keeping
// the old org in the identity until the cached token expires.
import { ConvexProviderWithAuth, type ConvexReactClient } from "convex/react";
import { useCallback, useMemo, useRef, type ReactNode } from "react";
import { authClient } from "./auth";

function useAuthFromBetterAuth() {
  const { data: session, isPending } = authClient.useSession();
  const sessionId = session?.session.id ?? null;
  const activeOrg = (session?.session as { activeOrganizationId?: string | null } | undefined)?.activeOrganizationId ?? null;
  const cache = useRef<{ key: string; token: string | null } | null>(null);
  const key = `${sessionId}:${activeOrg}`;

  const fetchAccessToken = useCallback(async ({ forceRefreshToken }: { forceRefreshToken: boolean }) => {
    if (!sessionId) return null;
    if (!forceRefreshToken && cache.current?.key === key && cache.current.token) return cache.current.token;
    const { data } = await authClient.convex.token({ fetchOptions: { throw: false } });
    const token = data?.token ?? null;
    cache.current = { key, token };
    return token;
  }, [key, sessionId]);

  return useMemo(
    () => ({ isLoading: isPending, isAuthenticated: Boolean(sessionId), fetchAccessToken }),
    [isPending, sessionId, fetchAccessToken],
  );
}

export function ConvexAuthProvider({ client, children }: { client: ConvexReactClient; children: ReactNode }) {
  return (
    <ConvexProviderWithAuth client={client} useAuth={useAuthFromBetterAuth}>
      {children}
    </ConvexProviderWithAuth>
  );
}
