// Switch the active organization (the Convex token follows, see
// ConvexAuthProvider) or start a new one.
import { useNavigate } from "@tanstack/react-router";
import { authClient } from "../lib/auth";

export function OrgSwitcher({ activeId }: { activeId: string }) {
  const { data: orgs } = authClient.useListOrganizations();
  const navigate = useNavigate();
  const known = orgs?.some((o) => o.id === activeId) ?? false;
  return (
    <label className="org-switcher">
      <span className="sr-only">Organization</span>
      <select
        value={activeId}
        disabled={!known}
        onChange={async (e) => {
          if (e.target.value === "__new") {
            await navigate({ to: "/organizations/new" });
            return;
          }
          await authClient.organization.setActive({ organizationId: e.target.value });
        }}
      >
        {/* Until the list arrives, hold the active org's place (never show "+ New organization" as selected). */}
        {!known ? <option value={activeId}>Loading…</option> : null}
        {(orgs ?? []).map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        <option value="__new">+ New organization</option>
      </select>
    </label>
  );
}
