// Turns the benchmarks' JSON results into the one markdown table that goes in
// the README (bench/results.md). Every number comes from this run's results;
// computed or extrapolated cells say so.
import { calls, int, kib, ms, secs, times, type Calls } from "./format";
import type { HarnessCheck } from "./harness-check";
import { reconcileFootnotes, reconcileRows, type Reconcile } from "./table-reconcile";
import type { UiWeight } from "./ui-weight";

interface Count { before?: number; total: number; calls: Calls }
interface Baseline extends Count { name: string }
interface RoundTrips { rows: Array<{ op: string; ours: Count; baseline: Baseline | null; others?: Baseline[] }> }
interface Race { allowed: number; denied: number; after: { granted: number; remaining: number; usage: number }; calls: Calls }
interface Contention {
  racers: number; balance: number; ours: Race; naive: Race;
  throughput: {
    ops: number; concurrency: number; rounds: number; oursMedian: number; naiveMedian: number; sendEventMedian: number;
    /** Medians of the per-round ratios (the patterns run back to back in each round). */
    vsNaiveMedian: number; vsSendEventMedian: number;
    /** runMeteredMutation: the claim, the work and the usage record in one mutation. */
    oneTxMedian: number; oneTxVsNaiveMedian: number; oneTxVsSendEventMedian: number;
  };
  hotRows?: {
    ops: number; leasedShare: number; leases: number; perOp: { leaseRow: number; cacheRow: number; ledgerRow: number }; before: { cacheRow: number; ledgerRow: number }; exact: boolean;
    oneTx: { ops: number; leasedShare: number; exact: boolean };
  };
  raw: { ops: number; concurrency: number; rounds: number; oursMedian: number; naiveMedian: number };
}
interface Convergence { runs: number; webhookMedianMs: number; webhookSyncDelayMs: number; watcherMedianMs: number; watchBackoffMs: number[] }
interface Latency { runs: number; cache: { median: number; p95: number }; live: { median: number; p95: number }; read?: { median: number; p95: number }; ratio: number }

export interface Results {
  roundtrips?: RoundTrips;
  reconcile?: Reconcile;
  contention?: Contention;
  convergence?: Convergence;
  latency?: Latency;
  ui?: UiWeight;
  /** bench/harness-check.ts: the reconcile's counts with and without bench/harness-index.ts. */
  harness?: HarnessCheck;
}

// ── formatting: bench/format.ts ───────────────────────────────────────────

function beforeTotal(x: { before?: number; total: number }): string {
  return x.before === undefined ? String(x.total) : `${x.before} / ${x.total}`;
}

// ── the table ──────────────────────────────────────────────────────────────

export function renderTable(r: Results): string {
  const rows: string[][] = [];
  const add = (...cells: string[]): void => { rows.push(cells); };

  if (r.roundtrips) {
    const find = (prefix: string) => r.roundtrips?.rows.find((x) => x.op.startsWith(prefix));
    const read = find("read billing");
    const gate = find("boolean gate (checkFeature");
    const gateReq = find("boolean gate (access");
    const meteredCheck = find("checkFeature on a metered");
    const send = find("metered action: chat");
    const credits = find("metered action paid in credits");
    const checkout = find("checkout");
    const cancel = find("cancel");
    const zero = (n: number | undefined) => (n === 0 ? "target 0 ✓" : "target 0 ✗");
    if (read?.baseline) add("a", "Read billing (`getOrgBilling`)", "Autumn calls", `**${read.ours.total}**`, `${read.baseline.total} (${calls(read.baseline.calls)} per read)`, zero(read.ours.total));
    if (gate?.baseline && gateReq) add("a", "Boolean gate (`checkFeature custom_branding` / `access.requireFeature`)", "Autumn calls", `**${gate.ours.total} / ${gateReq.ours.total}**`, `${gate.baseline.total} (${calls(gate.baseline.calls)} per gate)`, zero(gate.ours.total + gateReq.ours.total));
    if (meteredCheck?.baseline) add("a", "`checkFeature` on a metered feature (`standard_messages`)", "Autumn calls", `**${meteredCheck.ours.total}**`, `${meteredCheck.baseline.total} (${calls(meteredCheck.baseline.calls)})`, zero(meteredCheck.ours.total));
    const others = (x: { others?: Baseline[] }): string => (x.others ?? []).map((o) => `; ${o.name}: ${beforeTotal(o)} (${calls(o.calls)})`).join("");
    /** Ours against the strongest baseline: calls before the work, then in total, naming the extra routes. */
    const versus = (ours: Count, base: Count): string => {
      const cmp = (a: number, b: number): string => (a === b ? "same" : a < b ? `${b - a} fewer` : `+${a - b}`);
      const extra = Object.keys(ours.calls).filter((k) => !(k in base.calls)).map((k) => `\`${k}\``).join(", ");
      const before = ours.before !== undefined && base.before !== undefined ? `before the work: ${cmp(ours.before, base.before)}` : "";
      return [before, `total: ${cmp(ours.total, base.total)}${ours.total > base.total && extra ? ` (${extra} after the work: usage is confirmed, or released if the work fails; \`send_event\` has charged before the work either way)` : ""}`].filter(Boolean).join("; ");
    };
    if (send?.baseline) {
      add("a", "Metered action: `chat.sendMessage` (`withMeteredUsage`)", "Autumn calls before the work / total", `**${beforeTotal(send.ours)}** (${calls(send.ours.calls)})`,
        `${send.baseline.name}: ${beforeTotal(send.baseline)} (${calls(send.baseline.calls)})${others(send)}`,
        `target 1 before the work ${send.ours.before !== undefined && send.ours.before <= 1 ? "✓" : "✗"}; vs \`send_event\`: ${versus(send.ours, send.baseline)}`);
    }
    if (credits?.baseline) {
      add("a", "Metered action paid in credits: `sendMessage` `sage-pro` on a credit pack (5 `ai_credits` a message, checked on Autumn's balance)", "Autumn calls before the work / total", `**${beforeTotal(credits.ours)}** (${calls(credits.ours.calls)})`,
        `${credits.baseline.name}: ${beforeTotal(credits.baseline)} (${calls(credits.baseline.calls)})${others(credits)}`,
        `vs Autumn's one-call credit check: ${versus(credits.ours, credits.baseline)}`);
    }
    // The difference, and which routes make it (from the counts, not assumed).
    const diff = (r: { ours: Count; baseline: Count }): string => {
      const d = r.ours.total - r.baseline.total;
      if (d === 0) return "=";
      // get_or_create reads the customer as customers.get does (and creates it only when missing): the same read.
      const same = (route: string) => (route === "customers.get_or_create" ? "customers.get" : route);
      const count = (calls: Calls) => Object.entries(calls).reduce<Record<string, number>>((m, [route, n]) => ({ ...m, [same(route)]: (m[same(route)] ?? 0) + n }), {});
      const ours = count(r.ours.calls);
      const base = count(r.baseline.calls);
      const extra = Object.keys(ours).filter((route) => (ours[route] ?? 0) > (base[route] ?? 0));
      const why = extra.includes("plans.list") ? " (the org's plan eligibility, re-read with the customer after a plan change)" : "";
      return `${d > 0 ? "+" : ""}${d}${extra.length ? `: ${extra.map((e) => `\`${e}\``).join(", ")}` : ""}${why}`;
    };
    if (checkout?.baseline) add("a", "Checkout, card on file (free → team)", "Autumn calls", `${checkout.ours.total} (${calls(checkout.ours.calls)})`, `${checkout.baseline.total} (${calls(checkout.baseline.calls)})`, diff({ ours: checkout.ours, baseline: checkout.baseline }));
    if (cancel?.baseline) add("a", "Cancel (end of cycle)", "Autumn calls", `${cancel.ours.total} (${calls(cancel.ours.calls)})`, `${cancel.baseline.total} (${calls(cancel.baseline.calls)})`, diff({ ours: cancel.ours, baseline: cancel.baseline }));
  }

  if (r.reconcile) reconcileRows(r.reconcile, add);

  if (r.contention) {
    const c = r.contention;
    add("c", `${c.racers} concurrent metered calls on a balance of exactly ${c.balance}`, "allowed (the work ran)",
      `**${c.ours.allowed}**, ${c.ours.denied} \`QUOTA_EXCEEDED\`; Autumn after: usage ${c.ours.after.usage}, remaining ${c.ours.after.remaining}`,
      `naive: ${c.naive.allowed} allowed; Autumn after: usage ${c.naive.after.usage}, remaining ${c.naive.after.remaining} → ${c.naive.allowed - c.naive.after.usage} unbilled`,
      c.ours.allowed === c.balance ? "exact ✓" : "✗");
    const tp = c.throughput;
    const baselines = `naive check → work → track: ${int(tp.naiveMedian)}; single \`check\` with \`send_event\` → work: ${int(tp.sendEventMedian)}`;
    const target = (x: number) => `target ≥ 1.5× naive ${x >= 1.5 ? "✓" : "✗"}`;
    add("c", `Throughput, work in an action: claim (lease or lock) → work, whose own mutation records it done (\`withMeteredUsage\` + \`meteredMutation\`) → background confirm (${tp.concurrency} in flight, ${tp.rounds} rounds × ${tp.ops}, the patterns back to back in each round)`,
      "ops/s, end to end (incl. convex-test mutations); ratio = median of per-round ratios",
      `**${int(tp.oursMedian)}**`, baselines,
      `**${tp.vsNaiveMedian.toFixed(2)}× naive**, ${tp.vsSendEventMedian.toFixed(2)}× send_event; ${target(tp.vsNaiveMedian)}`);
    add("c", "″ work that is one mutation: claim from a lease + work + usage record in that one transaction (`runMeteredMutation`)",
      "ops/s, end to end; ratio = median of per-round ratios",
      `**${int(tp.oneTxMedian)}**`, baselines,
      `**${tp.oneTxVsNaiveMedian.toFixed(2)}× naive**, ${tp.oneTxVsSendEventMedian.toFixed(2)}× send_event; ${target(tp.oneTxVsNaiveMedian)}`);
    if (c.hotRows) {
      const h = c.hotRows;
      const f = (x: number): string => x.toFixed(x < 0.1 ? 3 : 2);
      add("c", "″ metered calls with no Autumn round trip before the work", "share of calls",
        `**${(h.leasedShare * 100).toFixed(0)}%** (units taken from ${h.leases} leases of a locked block); one-mutation work: ${(h.oneTx.leasedShare * 100).toFixed(0)}%`,
        "naive and send_event: 0% (a check per call)", h.exact && h.oneTx.exact ? "Autumn usage = works run, both ✓" : "usage ✗");
      add("c", "″ writes per op to any single shared row", "writes / op",
        `hottest lease row ${f(h.perOp.leaseRow)} of the ops in its own window (1/4 = evenly over 4 shards), org cache row ${f(h.perOp.cacheRow)}, day ledger row ${f(h.perOp.ledgerRow)}`,
        `before: cache row ${h.before.cacheRow}, ledger row ${h.before.ledgerRow} (every reserve and confirm)`, "");
    }
    add("c", `″ Autumn calls only (${c.raw.concurrency} in flight, median of ${c.raw.rounds}×${c.raw.ops})`, "ops/s, through the sandbox",
      `${int(c.raw.oursMedian)} (lock check + finalize)`, `${int(c.raw.naiveMedian)} (check + track)`, `${(c.raw.oursMedian / c.raw.naiveMedian).toFixed(2)}×`);
  }

  if (r.convergence) {
    const v = r.convergence;
    const [first, second] = v.watchBackoffMs;
    add("d", "Payment settled → cached plan flips", `time (median of ${v.runs}, measured)`,
      `webhook on: **${secs(v.webhookMedianMs)}** (incl. the ${secs(v.webhookSyncDelayMs)} coalescing delay)`,
      `watcher alone: ${secs(v.watcherMedianMs)} measured (settled before its first tick, ${secs(first ?? 0)} after checkout); settling after that tick waits for the next one: up to ${secs(second ?? 0)} (computed from the schedule)`,
      `${times(v.watcherMedianMs / v.webhookMedianMs)} faster`);
  }

  if (r.latency) {
    const l = r.latency;
    add("e", "Entitlement check", `latency, median (p95) of ${l.runs} interleaved`,
      `cache: \`checkFeature\` query ${ms(l.cache.median)} (${ms(l.cache.p95)})${l.read ? `; the read itself (\`checkOrgFeature\` timed inside a query) ${ms(l.read.median)}` : ""}`,
      `live \`balances.check\` on loopback: ${ms(l.live.median)} (${ms(l.live.p95)})`,
      `${times(l.ratio)}${l.read ? ` (${times(l.live.median / l.read.median)} vs the read itself)` : ""}; a floor: no internet round trip here`);
  }

  if (r.ui) {
    const s = r.ui.sizes;
    const react = s.react;
    const convex = s.convex;
    const billing = s.billing;
    const chart = s.recharts;
    if (react && convex && billing && chart) {
      add("f", `UI weight (vite ${r.ui.vite} production build)`, "JS, gzip",
        `React + Convex + \`@billing/react\`: ${kib(billing.jsGzip)} (+ ${kib(billing.cssGzip)} CSS)`,
        `React + Convex: ${kib(convex.jsGzip)}; React alone: ${kib(react.jsGzip)}`,
        `+${kib(billing.jsGzip - convex.jsGzip)} on top of React + Convex (+${kib(billing.jsGzip - react.jsGzip)} on React alone), of which recharts ≈ ${kib(chart.jsGzip - convex.jsGzip)}`);
    }
  }

  const header = ["", "Benchmark", "Measure", "This module", "Baseline", "Ratio / target"];
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The lines printed under the table: marks, sources of computed cells, the harness-index check. */
export function renderFootnotes(r: Results): string[] {
  const out: string[] = [];
  if (r.reconcile) out.push(...reconcileFootnotes(r.reconcile));
  if (r.harness) {
    const h = r.harness;
    const t = h.totals;
    out.push(h.identical
      ? `harness-index: counts identical with and without it (reconcile, N = ${int(h.n)}; ${h.compared} counts compared: ${int(t.autumnCalls)} Autumn call${t.autumnCalls === 1 ? "" : "s"}, ${int(t.functionRuns)} function runs, ${int(t.documentsRead)} documents read / ${int(t.documentsWritten)} written, per function and route, and the baseline's per-org counts); wall time ${secs(h.wallMs.indexed)} with vs ${secs(h.wallMs.plain)} without.`
      : `harness-index: COUNTS DIFFER with and without it (reconcile, N = ${int(h.n)}): ${h.differences.join("; ")}.`);
  }
  return out;
}
