// Hooks: useBillingErrors maps typed codes to messages and actions (and
// toasts them with a working "Upgrade"); useBilling provisions lazily once;
// useFeature mirrors checkFeature; useUpgrade navigates / opens checkout.
import { act, render, renderHook, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { ConvexProvider } from "convex/react";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { BillingProvider } from "../BillingProvider";
import { describeBillingError } from "../errors";
import { createFakeConvex } from "../testing/fakeConvex";
import { featureCheck, orgBilling, PLANS, preview } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import { createTestBillingApi } from "../testing/testApi";
import { useBilling } from "./useBilling";
import { useBillingErrors } from "./useBillingErrors";
import { useFeature } from "./useFeature";
import { useUpgrade } from "./useUpgrade";

function setup(options: { onToast?: (toast: unknown) => void } = {}) {
  const fake = createFakeConvex();
  const api = createTestBillingApi();
  fake.setQueryResult(api.listPlans, PLANS);
  fake.setQueryResult(api.getOrgBilling, orgBilling("owner"));
  fake.registerActionFake(api.ensureBilling, () => ({ ok: true, error: null }));
  const navigate = vi.fn<(path: string) => void>();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <ConvexProvider client={fake.client}>
      <BillingProvider api={api} onNavigate={navigate} billingPath="/org/acme/billing" {...(options.onToast ? { onToast: options.onToast } : {})}>
        {children}
      </BillingProvider>
    </ConvexProvider>
  );
  return { fake, api, navigate, wrapper };
}

const err = (code: string, extra: Record<string, string | number> = {}) => new ConvexError({ code, message: `server says ${code}`, ...extra });

describe("describeBillingError", () => {
  it.each([
    ["FORBIDDEN", "Only the owner can change the plan", null],
    ["AUTUMN_UNAVAILABLE", "Billing is temporarily unavailable, try again", "retry"],
    ["RATE_LIMITED", "Too many billing requests, wait a moment and try again", "retry"],
    ["CONFLICT", "Another billing change is in progress, try again in a moment", "retry"],
    ["PLAN_NOT_FOUND", "That plan is no longer available", null],
    ["UNAUTHENTICATED", "Sign in to see billing", "sign_in"],
  ])("%s → %s", (code, message, action) => {
    const info = describeBillingError(err(code));
    expect(info.code).toBe(code);
    expect(info.message).toBe(message);
    expect(info.action?.kind ?? null).toBe(action);
  });

  it("QUOTA_EXCEEDED names the feature and offers Upgrade", () => {
    const info = describeBillingError(err("QUOTA_EXCEEDED", { featureId: "premium_messages", remaining: 0, required: 1 }), {
      featureName: (id) => (id === "premium_messages" ? "Premium messages" : undefined),
    });
    expect(info.message).toBe("You've used all your Premium messages for now. Upgrade to get more.");
    expect(info.action).toEqual({ kind: "upgrade", label: "Upgrade" });
    expect(info.details).toEqual({ featureId: "premium_messages", remaining: 0, required: 1 });
  });

  it("treats anything else as UNKNOWN without leaking its text", () => {
    expect(describeBillingError(new Error("TypeError: x is undefined"))).toMatchObject({ code: "UNKNOWN", message: "Something went wrong, try again" });
    expect(describeBillingError(new ConvexError({ code: "NOT_A_BILLING_CODE" })).code).toBe("UNKNOWN");
  });
});

describe("useBillingErrors", () => {
  it("toasts QUOTA_EXCEEDED with an Upgrade button that opens the billing tab", async () => {
    const user = userEvent.setup();
    const { navigate, fake, api, wrapper } = setup();
    fake.setQueryResult(api.getOrgBilling, orgBilling("member", {
      balances: [{ featureId: "premium_messages", name: "Premium messages", type: "metered", display: null, granted: 100, remaining: 0, usage: 100, unlimited: false, overageAllowed: false, maxPurchase: null, nextResetAt: null }],
    }));
    function Composer() {
      const { report } = useBillingErrors();
      return <button type="button" onClick={() => report(err("QUOTA_EXCEEDED", { featureId: "premium_messages", remaining: 0, required: 1 }))}>Send</button>;
    }
    render(<Composer />, { wrapper });
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect(screen.getByRole("alert").textContent).toContain("You've used all your Premium messages");
    await user.click(screen.getByRole("button", { name: "Upgrade" }));
    expect(navigate).toHaveBeenCalledWith("/org/acme/billing");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("wires Try again to the given retry, and routes toasts to onToast when provided", () => {
    const onToast = vi.fn();
    const retry = vi.fn();
    const { wrapper } = setup({ onToast });
    const { result } = renderHook(() => useBillingErrors(), { wrapper });
    act(() => { result.current.report(err("AUTUMN_UNAVAILABLE"), { retry }); });
    expect(onToast).toHaveBeenCalledTimes(1);
    const toast = onToast.mock.calls[0]?.[0] as { message: string; action?: { label: string; onAction: () => void } };
    expect(toast.message).toBe("Billing is temporarily unavailable, try again");
    expect(toast.action?.label).toBe("Try again");
    toast.action?.onAction();
    expect(retry).toHaveBeenCalled();
  });
});

describe("useBilling / useFeature / useUpgrade", () => {
  it("useBilling exposes the view, role and canManage", () => {
    const { wrapper } = setup();
    const { result } = renderHook(() => useBilling(), { wrapper });
    expect(result.current.status).toBe("ready");
    expect(result.current.role).toBe("owner");
    expect(result.current.canManage).toBe(true);
    expect(result.current.billing?.plan?.planId).toBe("free");
  });

  it("useBilling calls ensureBilling once for an unprovisioned org, across consumers and re-renders", async () => {
    const { wrapper, fake, api } = setup();
    fake.setQueryResult(api.getOrgBilling, orgBilling("member", { provisioned: false, plan: null }));
    const { result, rerender } = renderHook(() => [useBilling(), useBilling()] as const, { wrapper });
    rerender();
    await waitFor(() => expect(fake.callsTo(api.ensureBilling)).toHaveLength(1));
    expect(result.current[0].provisioning).toBe(true);
    act(() => { fake.setQueryResult(api.getOrgBilling, orgBilling("member")); });
    expect(result.current[0].provisioning).toBe(false);
    expect(result.current[1].canManage).toBe(false);
    expect(fake.callsTo(api.ensureBilling)).toHaveLength(1);
  });

  it("useFeature is loading, then mirrors checkFeature", () => {
    const { wrapper, fake, api } = setup();
    fake.setQueryLoading(api.checkFeature);
    const { result } = renderHook(() => useFeature("seats"), { wrapper });
    expect(result.current).toMatchObject({ status: "loading", allowed: false });
    act(() => { fake.setQueryResult(api.checkFeature, featureCheck("seats", { allowed: false, reason: "quota_exceeded", balance: 0 })); });
    expect(result.current).toMatchObject({ status: "ready", allowed: false });
    expect(result.current.check?.reason).toBe("quota_exceeded");
  });

  it("useUpgrade navigates to the billing tab and opens the checkout dialog", async () => {
    const navigate = vi.fn<(path: string) => void>();
    function Buttons() {
      const { openBillingTab, openCheckout } = useUpgrade();
      return <><button type="button" onClick={openBillingTab}>Plans</button><button type="button" onClick={() => openCheckout("team")}>Get Team</button></>;
    }
    const user = userEvent.setup();
    const rendered = renderWithBilling(<Buttons />, {
      provider: { onNavigate: navigate },
      setup: (f, a) => f.registerActionFake(a.previewCheckout, () => preview({ planId: "team", planName: "Team" })),
    });
    await user.click(screen.getByRole("button", { name: "Plans" }));
    expect(navigate).toHaveBeenCalledWith("/settings/billing");
    await user.click(screen.getByRole("button", { name: "Get Team" }));
    expect(await screen.findByRole("dialog", { name: "Upgrade to Team" })).toBeTruthy();
    expect(rendered.fake.callsTo(rendered.api.previewCheckout)).toEqual([{ planId: "team", currency: "usd" }]);
  });
});
