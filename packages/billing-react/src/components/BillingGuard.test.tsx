// BillingGuard: loading (no prompt flash), allowed, denied for owners and
// members, custom fallbacks, errors, and the loading → allowed transition.
import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { featureCheck, orgBilling } from "../testing/fixtures";
import { renderWithBilling } from "../testing/render";
import { BillingGuard } from "./BillingGuard";

const guarded = <BillingGuard featureId="custom_branding"><p>Branding settings</p></BillingGuard>;
const denied = featureCheck("custom_branding", { allowed: false, included: false, reason: "not_included" });

describe("BillingGuard", () => {
  it("renders nothing while loading: no children, no upgrade prompt", () => {
    const { container, fake, api } = renderWithBilling(guarded, { setup: (f, a) => f.setQueryLoading(a.checkFeature) });
    expect(screen.queryByText("Branding settings")).toBeNull();
    expect(screen.queryByRole("region", { name: "Upgrade required" })).toBeNull();
    expect(container.textContent).toBe("");
    // The answer arrives: straight to the children, the prompt never appeared.
    act(() => { fake.setQueryResult(api.checkFeature, featureCheck("custom_branding")); });
    expect(screen.getByText("Branding settings")).toBeTruthy();
  });

  it("renders a custom loading state", () => {
    renderWithBilling(
      <BillingGuard featureId="custom_branding" loading={<span>Checking plan…</span>}><p>Branding settings</p></BillingGuard>,
      { setup: (f, a) => f.setQueryLoading(a.checkFeature) },
    );
    expect(screen.getByText("Checking plan…")).toBeTruthy();
  });

  it("renders children when the feature is available", () => {
    renderWithBilling(guarded, { setup: (f, a) => f.setQueryResult(a.checkFeature, featureCheck("custom_branding")) });
    expect(screen.getByText("Branding settings")).toBeTruthy();
  });

  it("passes featureId and required to checkFeature", () => {
    const seen: Array<{ featureId: string; required?: number }> = [];
    renderWithBilling(<BillingGuard featureId="premium_messages" required={5}>ok</BillingGuard>, {
      setup: (f, a) => f.registerQueryFake(a.checkFeature, (args) => { seen.push(args); return featureCheck(args.featureId); }),
    });
    expect(seen[0]).toEqual({ featureId: "premium_messages", required: 5 });
  });

  it("offers owners an Upgrade button that opens the billing tab", async () => {
    const user = userEvent.setup();
    const { navigate } = renderWithBilling(guarded, { setup: (f, a) => f.setQueryResult(a.checkFeature, denied) });
    expect(screen.queryByText("Branding settings")).toBeNull();
    // Named from the plan catalog, since the org has no balance or flag for it.
    expect(screen.getByText("Your plan doesn't include Custom branding")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Upgrade" }));
    expect(navigate).toHaveBeenCalledWith("/settings/billing");
  });

  it("tells members to ask an owner, with no button", () => {
    renderWithBilling(guarded, {
      setup: (f, a) => { f.setQueryResult(a.checkFeature, denied); f.setQueryResult(a.getOrgBilling, orgBilling("member")); },
    });
    expect(screen.getByText("Ask an owner to upgrade.")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("waits for the role before choosing the prompt (no owner/member flash)", () => {
    const { fake, api } = renderWithBilling(guarded, {
      setup: (f, a) => { f.setQueryResult(a.checkFeature, denied); f.setQueryLoading(a.getOrgBilling); },
    });
    expect(screen.queryByRole("region", { name: "Upgrade required" })).toBeNull();
    act(() => { fake.setQueryResult(api.getOrgBilling, orgBilling("admin")); });
    expect(screen.getByText("Ask an owner to upgrade.")).toBeTruthy();
  });

  it("names the used-up feature when the quota is exceeded", () => {
    renderWithBilling(<BillingGuard featureId="standard_messages">chat</BillingGuard>, {
      setup: (f, a) => f.setQueryResult(a.checkFeature, featureCheck("standard_messages", { allowed: false, reason: "quota_exceeded", balance: 0 })),
    });
    expect(screen.getByText("You've used all your Standard messages")).toBeTruthy();
  });

  it("renders a custom fallback node instead of the prompt", () => {
    renderWithBilling(
      <BillingGuard featureId="custom_branding" fallback={<p>Branding is a Pro feature</p>}>secret</BillingGuard>,
      { setup: (f, a) => f.setQueryResult(a.checkFeature, denied) },
    );
    expect(screen.getByText("Branding is a Pro feature")).toBeTruthy();
    expect(screen.queryByText("secret")).toBeNull();
    expect(screen.queryByRole("button", { name: "Upgrade" })).toBeNull();
  });

  it("calls a fallback function with the check and the caller's role", () => {
    renderWithBilling(
      <BillingGuard featureId="custom_branding" fallback={({ canManage, check }) => <p>{`owner=${String(canManage)} reason=${check?.reason ?? "?"}`}</p>}>secret</BillingGuard>,
      { setup: (f, a) => f.setQueryResult(a.checkFeature, denied) },
    );
    expect(screen.getByText("owner=true reason=not_included")).toBeTruthy();
  });

  it("stays in the loading state while the org is being provisioned", () => {
    renderWithBilling(guarded, {
      setup: (f, a) => f.setQueryResult(a.checkFeature, featureCheck("custom_branding", { allowed: false, included: false, reason: "not_provisioned" })),
    });
    expect(screen.queryByRole("region", { name: "Upgrade required" })).toBeNull();
  });

  it("fails closed with the mapped message when the check errors", () => {
    renderWithBilling(guarded, {
      setup: (f, a) => f.setQueryError(a.checkFeature, new ConvexError({ code: "NO_ACTIVE_ORGANIZATION", message: "Choose an organization first" })),
    });
    expect(screen.queryByText("Branding settings")).toBeNull();
    expect(screen.getByText("Choose an organization first")).toBeTruthy();
  });
});
