// CheckoutDialog: preview → confirm, redirect to the payment page through
// the injected navigator, mapped errors, add-ons, and keyboard access
// (focus moves in and is trapped, Esc closes, focus returns).
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { formatDate, formatMoney } from "../format";
import { preview } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import { CheckoutDialog } from "./CheckoutDialog";

function Harness({ planId = "pro", navigate }: { planId?: string; navigate?: (url: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>Open checkout</button>
      {open ? <CheckoutDialog planId={planId} open onClose={() => setOpen(false)} {...(navigate ? { navigate } : {})} /> : null}
    </>
  );
}

describe("CheckoutDialog", () => {
  it("previews the change, then confirms it with checkout", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderWithBilling(<Harness />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, ({ planId }) => preview({
          planId, lines: [{ description: "Pro - Base price", amount: 29 }, { description: "Unused time on Free", amount: 0 }], total: 29,
          nextCycle: { startsAt: Date.UTC(2026, 3, 1), total: 29 },
        }));
        f.registerActionFake(a.checkout, () => ({ status: "activated" as const }));
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    expect(await screen.findByRole("dialog", { name: "Upgrade to Pro" })).toBeTruthy();
    expect(screen.getByText("Pro - Base price")).toBeTruthy();
    expect(screen.getByText("Unused time on Free")).toBeTruthy();
    expect(screen.getByRole("row", { name: /Total due today/ }).textContent).toContain(formatMoney(29, "usd"));
    expect(screen.getByText(`Then ${formatMoney(29, "usd")} from ${formatDate(Date.UTC(2026, 3, 1))}.`)).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByText("You're now on Pro.")).toBeTruthy();
    expect(fake.callsTo(api.previewCheckout)).toEqual([{ planId: "pro", currency: "usd" }]);
    expect(fake.callsTo(api.checkout)).toEqual([{ planId: "pro", successUrl: "/billing/success?planId=pro", currency: "usd", intentId: expect.any(String) }]);
    expect(fake.callsTo(api.purchaseAddOn)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("shows a same-size skeleton and no Confirm while the preview loads", async () => {
    const user = userEvent.setup();
    let resolve: (p: ReturnType<typeof preview>) => void = () => {};
    renderWithBilling(<Harness />, {
      setup: (f, a) => f.registerActionFake(a.previewCheckout, () => new Promise((r) => { resolve = r; })),
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    const dialog = screen.getByRole("dialog", { name: "Checkout" });
    expect(dialog.querySelector(".billing-checkout__skeleton")).not.toBeNull();
    expect(screen.queryByRole("button", { name: "Confirm" })).toBeNull();
    await act(async () => { resolve(preview()); });
    expect(screen.getByRole("dialog", { name: "Upgrade to Pro" })).toBeTruthy();
    expect(dialog.querySelector(".billing-checkout__skeleton")).toBeNull();
  });

  it("redirects to the payment page through the injected navigator", async () => {
    const user = userEvent.setup();
    const navigate = vi.fn<(url: string) => void>();
    const { redirect } = renderWithBilling(<Harness navigate={navigate} />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview({ action: "new", requiresRedirect: true }));
        f.registerActionFake(a.checkout, () => ({ status: "redirect" as const, paymentUrl: "https://pay.example.test/c/123" }));
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    await user.click(await screen.findByRole("button", { name: "Continue to payment" }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith("https://pay.example.test/c/123"));
    expect(redirect).not.toHaveBeenCalled();
    expect(screen.getByText("Taking you to the payment page…")).toBeTruthy();
  });

  it("uses the provider's redirect when no navigator is given", async () => {
    const user = userEvent.setup();
    const { redirect } = renderWithBilling(<Harness />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview({ requiresRedirect: true }));
        f.registerActionFake(a.checkout, () => ({ status: "redirect" as const, paymentUrl: "https://pay.example.test/c/9" }));
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    await user.click(await screen.findByRole("button", { name: "Continue to payment" }));
    await waitFor(() => expect(redirect).toHaveBeenCalledWith("https://pay.example.test/c/9"));
  });

  it("shows the mapped message when confirming fails", async () => {
    const user = userEvent.setup();
    renderWithBilling(<Harness />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview());
        f.registerActionFake(a.checkout, () => { throw new ConvexError({ code: "AUTUMN_UNAVAILABLE", message: "fetch failed: ECONNREFUSED" }); });
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    await user.click(await screen.findByRole("button", { name: "Confirm" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Billing is temporarily unavailable, try again");
    expect(alert.textContent).not.toContain("ECONNREFUSED");
    // The preview stays, so the owner can confirm again.
    expect(screen.getByRole("button", { name: "Confirm" })).toBeTruthy();
  });

  it("shows the mapped message when the preview fails, and retries it", async () => {
    const user = userEvent.setup();
    let calls = 0;
    renderWithBilling(<Harness />, {
      setup: (f, a) => f.registerActionFake(a.previewCheckout, () => {
        calls += 1;
        if (calls === 1) throw new ConvexError({ code: "FORBIDDEN", message: "Only the organization owner can change billing" });
        return preview();
      }),
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Only the owner can change the plan");
    expect(screen.queryByRole("button", { name: "Confirm" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("button", { name: "Confirm" })).toBeTruthy();
  });

  it("maps INVALID_REDIRECT", async () => {
    const user = userEvent.setup();
    renderWithBilling(<Harness />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview());
        f.registerActionFake(a.checkout, () => { throw new ConvexError({ code: "INVALID_REDIRECT", message: "Return addresses must stay on this app" }); });
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    await user.click(await screen.findByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/can't return to this address/);
  });

  it("buys add-ons with purchaseAddOn", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderWithBilling(<Harness planId="credit_pack" />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview({ planId: "credit_pack", planName: "AI credit pack", action: "add_on", lines: [{ description: "AI credit pack", amount: 10 }], total: 10 }));
        f.registerActionFake(a.purchaseAddOn, () => ({ status: "activated" as const }));
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    expect(await screen.findByRole("dialog", { name: "Buy AI credit pack" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByText("AI credit pack purchased.")).toBeTruthy();
    expect(fake.callsTo(api.purchaseAddOn)).toEqual([{ planId: "credit_pack", successUrl: "/billing/success?planId=credit_pack", currency: "usd", intentId: expect.any(String) }]);
    expect(fake.callsTo(api.checkout)).toEqual([]);
  });

  it("says when a downgrade takes effect and confirms it as scheduled", async () => {
    const user = userEvent.setup();
    const at = Date.UTC(2026, 4, 1);
    renderWithBilling(<Harness planId="free" />, {
      setup: (f, a) => {
        f.registerActionFake(a.previewCheckout, () => preview({ planId: "free", planName: "Free", action: "downgrade", lines: [], total: 0, effectiveAt: at }));
        f.registerActionFake(a.checkout, () => ({ status: "scheduled" as const }));
      },
    });
    await user.click(screen.getByRole("button", { name: "Open checkout" }));
    expect(await screen.findByRole("dialog", { name: "Switch to Free" })).toBeTruthy();
    expect(screen.getByText(`Takes effect on ${formatDate(at)}.`)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByText(`Free starts on ${formatDate(at)}.`)).toBeTruthy();
  });

  it("is a labelled modal: focus moves in, Tab is trapped, Esc closes and focus returns", async () => {
    const user = userEvent.setup();
    renderWithBilling(<Harness />, { setup: (f, a) => f.registerActionFake(a.previewCheckout, () => preview()) });
    const opener = screen.getByRole("button", { name: "Open checkout" });
    await user.click(opener);
    const dialog = await screen.findByRole("dialog", { name: "Upgrade to Pro" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(dialog.contains(document.activeElement)).toBe(true);

    await screen.findByRole("button", { name: "Confirm" });
    for (let i = 0; i < 5; i += 1) {
      await user.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    await user.tab({ shift: true });
    expect(dialog.contains(document.activeElement)).toBe(true);

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
