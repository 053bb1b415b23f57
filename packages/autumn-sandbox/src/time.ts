// Calendar arithmetic in UTC for billing periods and resets. Autumn anchors
// resets at "attach time + whole intervals" (autumn-behaviours.md #18), so
// the n-th boundary is always computed from the original anchor, never by
// adding to the previous boundary (which would drift Jan 31 → Feb 28 → Mar 28).

export type Interval =
  | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "semi_annual" | "year";

const FIXED_MS: Partial<Record<Interval, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

const MONTHS: Partial<Record<Interval, number>> = { month: 1, quarter: 3, semi_annual: 6, year: 12 };

/** Shortest first: used to order balances "shorter interval first". */
export const INTERVAL_RANK: Record<string, number> = {
  minute: 0, hour: 1, day: 2, week: 3, month: 4, quarter: 5, semi_annual: 6, year: 7,
};

export function isInterval(value: string): value is Interval {
  return value in INTERVAL_RANK;
}

/** `start` plus `count` intervals of `interval`, month ends clamped (Jan 31 + 1 month = Feb 28/29). */
export function addIntervals(start: number, interval: Interval, count: number): number {
  const fixed = FIXED_MS[interval];
  if (fixed !== undefined) return start + fixed * count;
  const months = (MONTHS[interval] ?? 1) * count;
  const d = new Date(start);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1,
    d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.getTime();
}

/** The first boundary `anchor + k·interval` (k ≥ 1) strictly after `now`. */
export function nextBoundaryAfter(anchor: number, interval: Interval, intervalCount: number, now: number): number {
  let k = 1;
  let next = addIntervals(anchor, interval, intervalCount);
  while (next <= now) {
    k += 1;
    next = addIntervals(anchor, interval, intervalCount * k);
  }
  return next;
}

/** Rough monthly-normalised length, to compare prices across intervals (upgrade vs downgrade). */
export function monthsIn(interval: string, count = 1): number {
  const m = MONTHS[interval as Interval];
  if (m !== undefined) return m * count;
  const fixed = FIXED_MS[interval as Interval];
  if (fixed !== undefined) return (fixed * count) / (30 * 86_400_000);
  return 1;
}

export function durationMs(length: number, type: "day" | "month" | "year", from: number): number {
  if (type === "day") return length * 86_400_000;
  return addIntervals(from, type === "month" ? "month" : "year", length) - from;
}
