// One purchase intent per dialog open (issue 12): the checkout, add-on and
// cancel dialogs send the same intentId on a double click or a retry after an
// error, and a fresh one after the dialog is closed and opened again.
import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { newIntentId } from "../hooks/usePurchaseIntent";
import { orgBilling, preview } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import type { CurrentPlan } from "../types";
import { CancelDialog } from "./CancelDialog";
import { CheckoutDialog } from "./CheckoutDialog";

/** Keeps the dialog mounted and toggles `open` (the hook must see the reopening, not a remount). */
function Mounted({ planId, addOn }: { planId: string; addOn?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>Open checkout</button>
      <CheckoutDialog planId={planId} open={open} onClose={() => setOpen(false)} {...(addOn ? { addOn } : {})} />
    </>
  );
}

const intents = (calls: unknown[]): string[] => calls.map((c) => (c as { intentId: string }).intentId);

describe("purchase intents", () => {
  it("newIntentId is accepted by the server's rule and differs every time", () => {
    const ids = new Set(Array.from({ length: 100 }, newIntentId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8,100}$/);
  });

  it("checkout: a retry after an error repeats the intent; closing and reopening makes a new one", async () => {
    const user = userEvent.setup();
    let n = 0;
    const { fake, api } = renderWithBilling(<Mounted planId="pro" />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview());
        f.registerActionFake(a.checkout, () => {
          n += 1;
          if (n === 1) throw new ConvexError({ code: "AUTUMN_UNAVAILABLE", message: "lost answer" });
          return { status: "activated" as const };
        });
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    await user.click(await screen.findByRole("button", { name: "Confirm" }));
    await screen.findByRole("alert");
    await user.click(screen.getByRole("button", { name: "Confirm" }));
    await screen.findByText("You're now on Pro.");
    const [first, retry] = intents(fake.callsTo(api.checkout));
    expect(first).toBeTruthy();
    expect(retry).toBe(first);

    await user.click(screen.getByRole("button", { name: "Done" }));
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    await user.click(await screen.findByRole("button", { name: "Confirm" }));
    await waitFor(() => expect(fake.callsTo(api.checkout)).toHaveLength(3));
    const third = intents(fake.callsTo(api.checkout))[2];
    expect(third).toBeTruthy();
    expect(third).not.toBe(first);
  });

  it("add-on: a double click sends (at most) the same intent twice", async () => {
    const { fake, api } = renderWithBilling(<Mounted planId="credit_pack" addOn />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview({ planId: "credit_pack", planName: "Credit pack", action: "add_on" }));
        f.registerActionFake(a.purchaseAddOn, () => new Promise(() => {}));
      },
    });
    fireEvent.click(screen.getByRole("button", { name: "Open checkout" }));
    const confirm = await screen.findByRole("button", { name: "Confirm" });
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    fireEvent.dblClick(confirm);
    await waitFor(() => expect(fake.callsTo(api.purchaseAddOn).length).toBeGreaterThan(0));
    const sent = intents(fake.callsTo(api.purchaseAddOn));
    expect(new Set(sent).size).toBe(1);
  });

  it("cancel: a retry repeats the intent, reopening makes a new one", async () => {
    const user = userEvent.setup();
    const plan = orgBilling("owner").billing.plan as CurrentPlan;
    function Cancel() {
      const [open, setOpen] = useState(false);
      return (
        <>
          <button type="button" onClick={() => setOpen(true)}>Open cancel</button>
          <CancelDialog plan={plan} open={open} onClose={() => setOpen(false)} />
        </>
      );
    }
    let n = 0;
    const { fake, api } = renderWithBilling(<Cancel />, {
      setup: (f, a) => f.registerActionFake(a.cancelSubscription, () => {
        n += 1;
        if (n === 1) throw new ConvexError({ code: "AUTUMN_UNAVAILABLE", message: "lost answer" });
        return null;
      }),
    });
    await user.click(screen.getByRole("button", { name: "Open cancel" }));
    await user.click(screen.getByRole("button", { name: "Cancel plan" }));
    await screen.findByRole("alert");
    await user.click(screen.getByRole("button", { name: "Cancel plan" }));
    await waitFor(() => expect(fake.callsTo(api.cancelSubscription)).toHaveLength(2));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await user.click(screen.getByRole("button", { name: "Open cancel" }));
    await user.click(screen.getByRole("button", { name: "Cancel plan" }));
    await waitFor(() => expect(fake.callsTo(api.cancelSubscription)).toHaveLength(3));
    const [a, b, c] = intents(fake.callsTo(api.cancelSubscription));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});
