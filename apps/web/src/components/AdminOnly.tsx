// Global-admin pages render their content only for global admins (the
// better-auth admin role); everyone else gets a clear "Admins only". The
// server refuses non-admins regardless (adminQuery / adminAction).
import { Link } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { authClient } from "../lib/auth";

export function AdminOnly({ children }: { children: ReactNode }) {
  const { data: session, isPending } = authClient.useSession();
  if (isPending) return <p className="muted">Loading…</p>;
  const isAdmin = (session?.user as { role?: string | null } | undefined)?.role === "admin";
  if (!isAdmin) {
    return (
      <div className="page page--narrow">
        <div className="panel empty-state" role="alert" data-testid="admins-only">
          <h1>Admins only</h1>
          <p className="muted">This area is for the billing team's global admins. Your account doesn't have access.</p>
          <Link to="/dashboard" className="button">Back to the dashboard</Link>
        </div>
      </div>
    );
  }
  return <>{children}</>;
}
