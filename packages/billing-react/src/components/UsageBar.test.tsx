// UsageBar: thresholds (amber ≥75%, red ≥90%), aria values, unlimited, reset date.
import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { formatDate } from "../format";
import { renderWithBilling } from "../testing/render";
import { UsageBar } from "./UsageBar";

function levelAt(usage: number): string | null {
  renderWithBilling(<UsageBar label="Standard messages" usage={usage} granted={100} />);
  const bar = screen.getByRole("progressbar", { name: "Standard messages" });
  return bar.closest(".billing-usage")?.getAttribute("data-level") ?? null;
}

describe("UsageBar", () => {
  it.each([
    [0, "ok"],
    [74, "ok"],
    [75, "warning"],
    [89, "warning"],
    [90, "critical"],
    [100, "critical"],
  ])("%i%% used is %s", (usage, level) => {
    expect(levelAt(usage)).toBe(level);
  });

  it("exposes min, max and current value with a readable label", () => {
    renderWithBilling(<UsageBar label="Premium messages" usage={750} granted={1000} display={{ singular: "message", plural: "messages" }} />);
    const bar = screen.getByRole("progressbar", { name: "Premium messages" });
    expect(bar.getAttribute("aria-valuemin")).toBe("0");
    expect(bar.getAttribute("aria-valuemax")).toBe("1000");
    expect(bar.getAttribute("aria-valuenow")).toBe("750");
    expect(bar.getAttribute("aria-valuetext")).toMatch(/750 of 1,000 used \(75%\)/);
    expect(screen.getByText("750 / 1,000 messages")).toBeTruthy();
    expect(screen.getByText("250 left")).toBeTruthy();
  });

  it("clamps aria-valuenow and says how far over the limit usage went", () => {
    renderWithBilling(<UsageBar label="Premium messages" usage={120} granted={100} overageAllowed />);
    const bar = screen.getByRole("progressbar", { name: "Premium messages" });
    expect(bar.getAttribute("aria-valuenow")).toBe("100");
    expect(bar.closest(".billing-usage")?.getAttribute("data-level")).toBe("critical");
    expect(screen.getByText("20 over, billed as overage")).toBeTruthy();
  });

  it("shows Unlimited without a progressbar", () => {
    renderWithBilling(<UsageBar label="Standard messages" usage={4321} granted={0} unlimited />);
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.getByText("Unlimited")).toBeTruthy();
    expect(screen.getByText("4,321 used")).toBeTruthy();
  });

  it("shows the next reset date, and none for features that never reset", () => {
    const resetAt = Date.UTC(2026, 2, 5, 12);
    const { unmount } = renderWithBilling(<UsageBar label="Standard messages" usage={1} granted={10} nextResetAt={resetAt} />);
    expect(screen.getByText(`Resets on ${formatDate(resetAt)}`)).toBeTruthy();
    unmount();
    renderWithBilling(<UsageBar label="Seats" usage={1} granted={2} nextResetAt={null} />);
    expect(screen.queryByText(/Resets on/)).toBeNull();
  });
});
