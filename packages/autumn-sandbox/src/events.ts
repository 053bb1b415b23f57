// events.list and events.aggregate over the usage log that track, check
// with send_event and finalize write. Ranges are relative to the customer's
// clock so the test clock moves them too.

import type { Ctx } from "./context.js";
import { invalid } from "./errors.js";
import type { UsageEvent } from "./state.js";

export interface EventsListInput {
  start_cursor?: string;
  limit?: number;
  customer_id?: string;
  entity_id?: string;
  feature_id?: string | string[];
  custom_range?: { start?: number; end?: number };
}

function featureFilter(f: string | string[] | undefined): (e: UsageEvent) => boolean {
  if (f === undefined) return () => true;
  const set = new Set(Array.isArray(f) ? f : [f]);
  return (e) => set.has(e.feature_id);
}

export function listEvents(ctx: Ctx, input: EventsListInput): Record<string, unknown> {
  const limit = input.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid("limit must be an integer between 1 and 1000");
  const offset = input.start_cursor ? Number.parseInt(input.start_cursor, 10) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalid(`Invalid start_cursor: ${input.start_cursor}`);
  const byFeature = featureFilter(input.feature_id);
  const matches = ctx.state.events
    .filter((e) => (!input.customer_id || e.customer_id === input.customer_id)
      && (!input.entity_id || e.entity_id === input.entity_id)
      && byFeature(e)
      && (input.custom_range?.start === undefined || e.timestamp >= input.custom_range.start)
      && (input.custom_range?.end === undefined || e.timestamp <= input.custom_range.end))
    .sort((a, b) => b.timestamp - a.timestamp || (a.id < b.id ? 1 : -1));
  const page = matches.slice(offset, offset + limit);
  return {
    list: page.map((e) => ({
      id: e.id, timestamp: e.timestamp, feature_id: e.feature_id, customer_id: e.customer_id,
      ...(e.entity_id ? { entity_id: e.entity_id } : {}),
      value: e.value, properties: e.properties, deductions: e.deductions.length ? e.deductions : null,
    })),
    next_cursor: offset + limit < matches.length ? String(offset + limit) : null,
  };
}

const RANGE_DAYS: Record<string, number> = { "24h": 1, "7d": 7, "30d": 30, "90d": 90 };
const BIN_MS: Record<string, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

export interface AggregateInput {
  customer_id?: string;
  entity_id?: string;
  feature_id: string | string[];
  range?: string;
  custom_range?: { start: number; end: number };
  bin_size?: "hour" | "day" | "week" | "month";
}

function binStart(t: number, bin: string): number {
  if (bin === "month") {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const size = BIN_MS[bin] ?? 86_400_000;
  return Math.floor(t / size) * size;
}

function nextBin(t: number, bin: string): number {
  if (bin === "month") {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return t + (BIN_MS[bin] ?? 86_400_000);
}

export function aggregateEvents(ctx: Ctx, input: AggregateInput): Record<string, unknown> {
  const customer = input.customer_id ? ctx.state.customers[input.customer_id] : undefined;
  const now = ctx.now(customer ?? null);
  const bin = input.bin_size ?? "day";
  let start: number;
  let end: number;
  if (input.custom_range) {
    ({ start, end } = input.custom_range);
  } else {
    const days = RANGE_DAYS[input.range ?? "30d"];
    if (days === undefined) throw invalid(`Unsupported range ${input.range}`);
    end = now;
    start = now - days * 86_400_000;
  }
  if (end < start) throw invalid("custom_range.end must be after start");
  const features = Array.isArray(input.feature_id) ? input.feature_id : [input.feature_id];
  const byFeature = featureFilter(input.feature_id);
  const events = ctx.state.events.filter((e) => (!input.customer_id || e.customer_id === input.customer_id)
    && (!input.entity_id || e.entity_id === input.entity_id) && byFeature(e) && e.timestamp >= start && e.timestamp <= end);
  const bins = new Map<number, Record<string, number>>();
  for (let t = binStart(start, bin); t <= end && bins.size < 5000; t = nextBin(t, bin)) {
    bins.set(t, Object.fromEntries(features.map((f) => [f, 0])));
  }
  const total: Record<string, { count: number; sum: number }> = Object.fromEntries(features.map((f) => [f, { count: 0, sum: 0 }]));
  for (const e of events) {
    const values = bins.get(binStart(e.timestamp, bin));
    if (values) values[e.feature_id] = (values[e.feature_id] ?? 0) + e.value;
    const t = total[e.feature_id];
    if (t) { t.count += 1; t.sum += e.value; }
  }
  return { list: [...bins.entries()].map(([period, values]) => ({ period, values })), total };
}
