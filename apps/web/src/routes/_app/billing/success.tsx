// Where the payment page returns (/billing/success?planId=…). The package's
// BillingSuccess shows "Activating your plan…" until the post-checkout
// watcher sees the plan active in the billing cache; the query is reactive,
// so the page flips by itself (no polling here).
import { BillingSuccess } from "@billing/react";
import { createFileRoute, useNavigate } from "@tanstack/react-router";

export const Route = createFileRoute("/_app/billing/success")({
  validateSearch: (search: Record<string, unknown>): { planId?: string } =>
    typeof search.planId === "string" && search.planId ? { planId: search.planId } : {},
  component: SuccessPage,
});

function SuccessPage() {
  const { planId } = Route.useSearch();
  const navigate = useNavigate();
  return (
    <div className="page page--narrow">
      <div className="panel">
        <BillingSuccess {...(planId ? { planId } : {})} onContinue={() => void navigate({ to: "/dashboard" })} />
      </div>
    </div>
  );
}
