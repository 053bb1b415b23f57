// The signed-in shell: sidebar (a top bar on phones) with the org's brand,
// the organization switcher, the plan's tier badge and navigation; the
// billing provider around every signed-in page. Without an active
// organization the first step is creating one (global admins may still open
// the admin area, which is not about any one organization).
import { AlertsBell, useBilling, useBillingQuery } from "@billing/react";
import { createFileRoute, Link, Navigate, Outlet, useRouterState } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { CreateOrganization } from "../components/CreateOrganization";
import { OrgSwitcher } from "../components/OrgSwitcher";
import { api } from "../lib/api";
import { authClient } from "../lib/auth";
import { AppBillingProvider } from "../lib/billing";

export const Route = createFileRoute("/_app")({ component: AppLayout });

function TierBadge() {
  const { billing, status } = useBilling();
  const name = billing?.plan?.name ?? (billing && billing.provisioned ? "No plan" : null);
  const planStatus = billing?.plan?.status;
  // The meaning ("Plan:") is real text for screen readers, not an aria-label on a role-less span.
  return (
    <>
      <span className="sr-only">Plan:</span>
      <span
        className="tier-badge"
        data-testid="tier-badge"
        data-plan={billing?.plan?.planId ?? undefined}
        title={planStatus && planStatus !== "active" ? `${name} (${planStatus.replace("_", " ")})` : undefined}
      >
        {name ?? (status === "error" ? "—" : "…")}
        {planStatus && planStatus !== "active" ? <span className="tier-badge__status">· {planStatus.replace("_", " ")}</span> : null}
      </span>
    </>
  );
}

/** The org's saved branding (custom_branding plans) colours the brand mark. */
function Brand({ hasOrg }: { hasOrg: boolean }) {
  const branding = useBillingQuery(api.branding.branding.getBranding, hasOrg ? {} : "skip").data;
  const saved = branding?.enabled && branding.updatedAt !== null ? branding : null;
  const text = saved?.logoText || "Acme";
  const color = saved?.color;
  return (
    <Link to="/dashboard" className="brand" data-testid="brand">
      <span className="brand__mark" aria-hidden="true" style={color ? { background: color } : undefined}>{text.slice(0, 1).toUpperCase()}</span>
      <span className="brand__text">{text}</span>
    </Link>
  );
}

/**
 * A fresh sign-in starts a session with no active organization. Someone who
 * already belongs to organizations continues in their first one instead of
 * being asked to create another; people with none get the create form.
 */
function useActivateFirstOrganization(signedIn: boolean, activeOrg: string | null): boolean {
  const { data: orgs, isPending } = authClient.useListOrganizations();
  const first = signedIn && !activeOrg ? orgs?.[0]?.id ?? null : null;
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!first) return;
    void authClient.organization.setActive({ organizationId: first }).then((r) => { if (r.error) setFailed(true); });
  }, [first]);
  return signedIn && !activeOrg && !failed && (isPending || first !== null);
}

function AppLayout() {
  const { data: session, isPending } = authClient.useSession();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [pathname]);
  const activeOrg = (session?.session as { activeOrganizationId?: string | null } | undefined)?.activeOrganizationId ?? null;
  const activating = useActivateFirstOrganization(Boolean(session), activeOrg);

  if (isPending || activating) return <p className="center muted">Loading…</p>;
  if (!session) return <Navigate to="/sign-in" />;
  const isGlobalAdmin = (session.user as { role?: string | null }).role === "admin";
  const adminArea = pathname === "/admin" || pathname.startsWith("/admin/");

  return (
    <AppBillingProvider hasOrganization={Boolean(activeOrg)}>
      <div className="shell" data-menu-open={menuOpen || undefined}>
        <aside className="sidebar">
          <div className="sidebar__top">
            <Brand hasOrg={Boolean(activeOrg)} />
            {activeOrg && <TierBadge />}
            {activeOrg && <AlertsBell />}
            <button
              type="button"
              className="menu-toggle"
              aria-expanded={menuOpen}
              aria-controls="main-nav"
              onClick={() => setMenuOpen((o) => !o)}
            >
              <span aria-hidden="true">{menuOpen ? "✕" : "☰"}</span>
              <span className="sr-only">Menu</span>
            </button>
          </div>
          <div className="sidebar__body" id="main-nav">
            {activeOrg && <OrgSwitcher activeId={activeOrg} />}
            <nav aria-label="Main" className="nav">
              <Link to="/dashboard">Dashboard</Link>
              <Link to="/branding">Branding</Link>
              <Link to="/pricing">Pricing</Link>
              <Link to="/settings/members">Members</Link>
              <Link to="/settings/billing">Billing</Link>
              {isGlobalAdmin && <Link to="/admin">Admin</Link>}
            </nav>
            <div className="me">
              <span className="me__email" title={session.user.email}>{session.user.email}</span>
              <button type="button" className="link" onClick={() => void authClient.signOut()}>Sign out</button>
            </div>
          </div>
        </aside>
        <main className="content">
          {activeOrg || adminArea ? <Outlet /> : (
            <div className="page page--narrow">
              {isGlobalAdmin ? (
                <p className="note" role="note">
                  You're a global admin: the <Link to="/admin">Admin area</Link> needs no organization.
                </p>
              ) : null}
              <CreateOrganization />
            </div>
          )}
        </main>
      </div>
    </AppBillingProvider>
  );
}
