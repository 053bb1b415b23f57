// Past due (issue 14): a banner while a payment failed, with "Pay now" for
// owners — Autumn's payment page, where the card entered pays the open
// invoice(s) — and "ask an owner" for everyone else. It disappears by
// itself when the cache hears the subscription is current again.
import { useAction } from "convex/react";
import { useBillingContext } from "../context";
import { formatMoney } from "../format";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBillingTask } from "../hooks/useBillingTask";
import { useSpendApi } from "../spend/useSpendApi";

export function PastDueBanner() {
  const { billingPath, redirect } = useBillingContext();
  const api = useSpendApi();
  const state = useBillingQuery(api.getPastDue, {});
  const openPaymentSetup = useAction(api.openPaymentSetup);
  const task = useBillingTask();
  if (state.status !== "success" || !state.data.pastDue) return null;
  const due = state.data.openInvoices;
  const amount = due.length > 0 ? formatMoney(due.reduce((s, i) => s + i.total, 0), due[0]!.currency) : null;
  const pay = () => void task.run(async () => {
    const { url } = await openPaymentSetup({ returnUrl: billingPath });
    redirect(url);
  });
  return (
    <div className="billing-past-due" role="alert" data-testid="past-due-banner">
      <p><strong>Payment failed.</strong> {amount ? `${amount} is unpaid.` : "Your last payment didn't go through."} Pay now to keep your plan.</p>
      {state.data.canPay
        ? <button type="button" className="billing-button billing-button--primary" disabled={task.pending} onClick={pay}>Pay now</button>
        : <p className="billing-muted">Ask an owner to pay the open invoice.</p>}
      {task.error ? <p className="billing-error-text">{task.error.message}</p> : null}
    </div>
  );
}
