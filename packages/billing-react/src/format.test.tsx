// Money and dates: each currency in its home locale (USD en-US, BRL pt-BR),
// additional-currency prices, intervals, trial day counts.
import { describe, expect, it } from "vitest";
import { daysUntil, formatDay, formatInterval, formatMoney, formatPlanPrice, priceIn } from "./format";
import { PLANS } from "./testing/fixtures";

const pro = PLANS.find((p) => p.planId === "pro")!;

describe("format", () => {
  it("formats USD as $29.00 and BRL as R$ 87,00 whatever the page locale", () => {
    expect(formatMoney(29, "usd")).toBe("$29.00");
    expect(formatMoney(87, "brl")).toMatch(/^R\$\s87,00$/);
    expect(formatMoney(1234.5, "brl")).toMatch(/^R\$\s1\.234,50$/);
    expect(formatMoney(87, "BRL")).toBe(new Intl.NumberFormat("pt-BR", { style: "currency", currency: "BRL" }).format(87));
  });

  it("survives an unknown currency code", () => {
    expect(formatMoney(5, "not-a-currency")).toBe("5 NOT-A-CURRENCY");
  });

  it("picks the plan's price in the requested currency", () => {
    expect(priceIn(pro.price!, "brl")).toEqual({ amount: 87, currency: "brl" });
    expect(priceIn(pro.price!, "eur")).toEqual({ amount: 29, currency: "usd" });
    expect(formatPlanPrice(pro.price, "brl")).toMatch(/^R\$\s87,00\/month$/);
    expect(formatPlanPrice(null)).toBe("Free");
  });

  it("describes intervals", () => {
    expect(formatInterval("month")).toBe("/month");
    expect(formatInterval("month", 3)).toBe("every 3 months");
    expect(formatInterval("one_off")).toBe("one-time");
  });

  it("counts whole days left, rounding up and never negative", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(daysUntil(now + 30 * 3_600_000, now)).toBe(2);
    expect(daysUntil(now + 7 * 86_400_000, now)).toBe(7);
    expect(daysUntil(now - 1, now)).toBe(0);
  });

  it("formats UTC day buckets without shifting a day", () => {
    expect(formatDay(Date.UTC(2026, 2, 5), "en-US")).toBe("Mar 5");
  });
});
