// BillingSuccess: "Activating…" until getActivation flips (reactively, no
// polling from the UI), then confirmed; a watcher that gave up offers
// "Check again" (retryActivation), and the page follows the restarted watcher.
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithBilling } from "../testing/render";
import type { Activation } from "../types";
import { BillingSuccess } from "./BillingSuccess";

const watching: Activation = { state: "watching", planActive: false, nextCheckAt: 0 };

afterEach(() => { vi.useRealTimers(); });

describe("BillingSuccess", () => {
  it("shows Activating… until the plan is active, without polling", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "setInterval"] });
    const seen: Array<{ planId: string }> = [];
    const { fake, api } = renderWithBilling(<BillingSuccess planId="pro" />, {
      setup: (f, a) => f.registerQueryFake(a.getActivation, (args) => { seen.push(args); return watching; }),
    });
    expect(screen.getByRole("status").textContent).toBe("Activating your plan…");
    expect(seen[0]).toEqual({ planId: "pro" });

    // Time passing does nothing on its own: no timers, no calls.
    const reads = seen.length;
    act(() => { vi.advanceTimersByTime(10 * 60_000); });
    expect(vi.getTimerCount()).toBe(0);
    expect(seen.length).toBe(reads);
    expect(fake.calls).toEqual([]);

    // The watcher's re-sync lands in the cache: the subscription pushes the change.
    act(() => { fake.setQueryResult(api.getActivation, { state: "activated", planActive: true, nextCheckAt: null }); });
    expect(screen.getByRole("status").textContent).toBe("Pro is active");
    expect(fake.calls).toEqual([]);
  });

  it("continues to the billing tab once active", async () => {
    const user = userEvent.setup();
    const { navigate } = renderWithBilling(<BillingSuccess planId="pro" />, {
      setup: (f, a) => f.setQueryResult(a.getActivation, { state: "activated", planActive: true, nextCheckAt: null }),
    });
    await user.click(screen.getByRole("button", { name: "Continue" }));
    expect(navigate).toHaveBeenCalledWith("/settings/billing");
  });

  it("offers Check again when the watcher gave up, and follows the restart", async () => {
    const user = userEvent.setup();
    const { fake, api } = renderWithBilling(<BillingSuccess planId="pro" />, {
      setup: (f, a) => {
        f.setQueryResult(a.getActivation, { state: "gave_up", planActive: false, nextCheckAt: null });
        f.registerActionFake(a.retryActivation, () => {
          // The server restarts the watcher; the query reflects it.
          f.setQueryResult(a.getActivation, watching);
          return null;
        });
      },
    });
    expect(screen.getByText("We couldn't confirm your payment yet")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Check again" }));
    expect(fake.callsTo(api.retryActivation)).toEqual([{ planId: "pro" }]);
    expect(await screen.findByText("Activating your plan…")).toBeTruthy();
    act(() => { fake.setQueryResult(api.getActivation, { state: "activated", planActive: true, nextCheckAt: null }); });
    expect(screen.getByText("Pro is active")).toBeTruthy();
  });

  it("shows a mapped error when Check again fails", async () => {
    const user = userEvent.setup();
    renderWithBilling(<BillingSuccess planId="pro" />, {
      setup: (f, a) => {
        f.setQueryResult(a.getActivation, { state: "gave_up", planActive: false, nextCheckAt: null });
        f.registerActionFake(a.retryActivation, () => { throw new ConvexError({ code: "RATE_LIMITED", message: "429" }); });
      },
    });
    await user.click(screen.getByRole("button", { name: "Check again" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Too many billing requests, wait a moment and try again");
  });

  it("reads the plan from ?planId= by default", async () => {
    window.history.pushState({}, "", "/billing/success?planId=team");
    const seen: Array<{ planId: string }> = [];
    renderWithBilling(<BillingSuccess />, { setup: (f, a) => f.registerQueryFake(a.getActivation, (args) => { seen.push(args); return undefined; }) });
    await waitFor(() => expect(seen[0]).toEqual({ planId: "team" }));
    expect(screen.getByText("Activating your plan…")).toBeTruthy();
    window.history.pushState({}, "", "/");
  });

  it("says there is nothing to confirm without a watcher", () => {
    renderWithBilling(<BillingSuccess planId="pro" />, { setup: (f, a) => f.setQueryResult(a.getActivation, { state: "none", planActive: false, nextCheckAt: null }) });
    expect(screen.getByText("There's no payment waiting to be confirmed for Pro.")).toBeTruthy();
  });
});
