// Global admin: one organization's billing (status, usage bars,
// subscription history, "Re-sync" from Autumn).
import { OrgBillingDetail, useBillingQuery } from "@billing/react";
import { api } from "../../../../lib/api";
import { createFileRoute, Link } from "@tanstack/react-router";
import { AdminOnly } from "../../../../components/AdminOnly";

export const Route = createFileRoute("/_app/admin/orgs/$orgId")({
  validateSearch: (search: Record<string, unknown>): { name?: string } =>
    typeof search.name === "string" && search.name ? { name: search.name } : {},
  component: OrgDetailPage,
});

function OrgDetailPage() {
  const { orgId } = Route.useParams();
  const { name: fromLink } = Route.useSearch();
  // Opened by URL (no ?name=): the server knows the name (the same subscription OrgBillingDetail uses).
  const detail = useBillingQuery(api.billing.admin.adminGetOrgBilling, { organizationId: orgId });
  const name = detail.data?.organizationName ?? fromLink;
  return (
    <AdminOnly>
      <div className="page">
        <nav aria-label="Breadcrumb" className="breadcrumb"><Link to="/admin">Admin</Link> <span aria-hidden="true">/</span> Organization</nav>
        <header className="page__header">
          <h1>{name ?? "Organization"}</h1>
          <p className="muted small"><code>{orgId}</code></p>
        </header>
        <div className="panel"><OrgBillingDetail organizationId={orgId} /></div>
      </div>
    </AdminOnly>
  );
}
