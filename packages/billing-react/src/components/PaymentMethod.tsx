// The card on file (issue 14): brand, last 4, expiry, and "Update card" for
// owners (Autumn's payment page). Read from Autumn when shown.
import { useAction } from "convex/react";
import { useEffect, useState } from "react";
import { useBillingContext } from "../context";
import { useBillingTask } from "../hooks/useBillingTask";
import type { CardOnFile } from "../spendApi";
import { useSpendApi } from "../spend/useSpendApi";

export function describeCard(card: CardOnFile): string {
  const brand = card.brand.charAt(0).toUpperCase() + card.brand.slice(1);
  const exp = card.expMonth && card.expYear ? `, expires ${String(card.expMonth).padStart(2, "0")}/${card.expYear}` : "";
  return `${brand} ending in ${card.last4}${exp}`;
}

export function PaymentMethod({ canManage }: { canManage: boolean }) {
  const { billingPath, redirect } = useBillingContext();
  const api = useSpendApi();
  const getPaymentMethod = useAction(api.getPaymentMethod);
  const openPaymentSetup = useAction(api.openPaymentSetup);
  const [state, setState] = useState<{ status: "loading" } | { status: "error" } | { status: "done"; card: CardOnFile | null }>({ status: "loading" });
  const task = useBillingTask();
  useEffect(() => {
    let live = true;
    getPaymentMethod({}).then((card) => { if (live) setState({ status: "done", card }); }, () => { if (live) setState({ status: "error" }); });
    return () => { live = false; };
  }, [getPaymentMethod]);
  const update = () => void task.run(async () => redirect((await openPaymentSetup({ returnUrl: billingPath })).url));
  return (
    <div className="billing-card-on-file" data-testid="payment-method">
      {state.status === "loading" ? <p className="billing-muted" aria-busy="true">Loading card…</p>
        : state.status === "error" ? <p className="billing-muted">The card on file isn't available right now.</p>
        : state.card ? <p>{describeCard(state.card)}</p>
        : <p className="billing-muted">No card on file.</p>}
      {canManage ? (
        <button type="button" className="billing-button billing-button--small" disabled={task.pending} onClick={update}>
          {state.status === "done" && !state.card ? "Add card" : "Update card"}
        </button>
      ) : null}
      {task.error ? <p className="billing-error-text">{task.error.message}</p> : null}
    </div>
  );
}
