// Global admin: the plan catalog (with "Sync from Autumn" and the last
// sync's result) and every organization, searchable by name prefix and
// paged, each linking to its billing detail.
import { formatDate, PlansPanel } from "@billing/react";
import { createFileRoute, Link } from "@tanstack/react-router";
import { usePaginatedQuery } from "convex/react";
import { useEffect, useState } from "react";
import { AdminOnly } from "../../../components/AdminOnly";
import { api } from "../../../lib/api";

export const Route = createFileRoute("/_app/admin/")({ component: AdminPage });

const PAGE_SIZE = 10;

function AdminPage() {
  return (
    <AdminOnly>
      <div className="page">
        <header className="page__header">
          <h1>Admin</h1>
          <p className="muted">The plan catalog and every organization's billing.</p>
        </header>
        <div className="panel"><PlansPanel /></div>
        <OrgList />
      </div>
    </AdminOnly>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

function OrgList() {
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim(), 250);
  const { results, status, loadMore } = usePaginatedQuery(
    api.billing.admin.adminListOrgs,
    term ? { search: term } : {},
    { initialNumItems: PAGE_SIZE },
  );

  return (
    <section className="panel" aria-labelledby="orgs-title">
      <div className="panel__header">
        <h2 id="orgs-title" className="panel__title">Organizations</h2>
        <label className="inline-field">
          <span className="sr-only">Search organizations</span>
          <input type="search" placeholder="Search by name…" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="org-search" />
        </label>
      </div>
      <p className="muted small">Newest first. Search matches the start of the name (case-sensitive).</p>
      <div className="table-wrap">
        <table className="table" data-testid="org-table">
          <thead>
            <tr><th scope="col">Organization</th><th scope="col">Plan</th><th scope="col">Status</th><th scope="col">Created</th></tr>
          </thead>
          <tbody>
            {results.map((org) => (
              <tr key={org.organizationId}>
                <td>
                  <Link to="/admin/orgs/$orgId" params={{ orgId: org.organizationId }} search={{ name: org.name }}>{org.name}</Link>
                  {org.slug ? <div className="muted small">{org.slug}</div> : null}
                </td>
                <td>{org.planName ?? (org.provisioned ? "None" : <span className="muted">Not provisioned</span>)}</td>
                <td>{org.status ? <span className={`status status--${org.status}`}>{org.status.replace("_", " ")}</span> : "—"}</td>
                <td>{formatDate(org.createdAt)}</td>
              </tr>
            ))}
            {status === "LoadingFirstPage" ? <tr><td colSpan={4} className="muted">Loading…</td></tr> : null}
            {status !== "LoadingFirstPage" && results.length === 0 ? (
              <tr><td colSpan={4} className="muted">{term ? `No organization's name starts with "${term}".` : "No organizations yet."}</td></tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {status === "CanLoadMore" || status === "LoadingMore" ? (
        <button type="button" className="button--secondary" disabled={status === "LoadingMore"} onClick={() => loadMore(PAGE_SIZE)}>
          {status === "LoadingMore" ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </section>
  );
}
