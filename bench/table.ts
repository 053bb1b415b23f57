// Turns the benchmarks' JSON results into the one markdown table that goes in
// the README (bench/results.md). Every number comes from this run's results;
// computed or extrapolated cells say so.
import type { UiWeight } from "./ui-weight";

type Calls = Record<string, number>;
interface RoundTrips { rows: Array<{ op: string; ours: { before?: number; total: number; calls: Calls }; baseline: { name: string; before?: number; total: number; calls: Calls } | null }> }
interface ReconcileRun {
  n: number; pages: number; autumnTotal: number; functionRuns: number; runsByFunction: Record<string, number>;
  maxRead: { docs: number; fn: string }; maxWritten: { docs: number; fn: string };
  wallMs: number; customersPhaseMs: number; organizationsPhaseMs: number; orgPages: number;
  naive?: { autumnCallsPerCustomer: number; functionRunsPerCustomer: number; maxRead: number; maxWritten: number; workMsPerCustomer: number };
}
interface Reconcile { measured: ReconcileRun[]; pageSize: number; pacingMs: number; defaultPacingMs: number; orgPageSize: number; naiveSpacingMs: number; limits: { documentsRead: number; documentsWritten: number } }
interface Race { allowed: number; denied: number; after: { granted: number; remaining: number; usage: number }; calls: Calls }
interface Contention {
  racers: number; balance: number; ours: Race; naive: Race;
  throughput: { ops: number; concurrency: number; rounds: number; oursMedian: number; naiveMedian: number; sendEventMedian?: number };
  hotRows?: { ops: number; leasedShare: number; leases: number; perOp: { leaseRow: number; cacheRow: number; ledgerRow: number }; before: { cacheRow: number; ledgerRow: number }; exact: boolean };
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
}

// ── formatting ─────────────────────────────────────────────────────────────

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const secs = (ms: number): string => {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7_200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3_600).toFixed(1)} h`;
};
const ms = (x: number): string => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);
const times = (r: number): string => `${r >= 10 ? Math.round(r).toLocaleString("en-US") : r.toFixed(1)}×`;
const sizeLabel = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));
const calls = (c: Calls): string => Object.entries(c).map(([k, v]) => (v === 1 ? `\`${k}\`` : `${v}× \`${k}\``)).join(" + ") || "none";

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
    if (send?.baseline) {
      add("a", "Metered action: `chat.sendMessage` (`withMeteredUsage`)", "Autumn calls before the work / total", `**${beforeTotal(send.ours)}** (${calls(send.ours.calls)})`,
        `naive check → work → track: ${beforeTotal(send.baseline)} (${calls(send.baseline.calls)})`, `target 1 ${send.ours.before === 1 ? "✓" : "✗"}; same count as naive, but atomic (row c)`);
    }
    if (credits?.baseline) {
      add("a", "Metered action paid in credits: `sendMessage` `sage-pro` on a credit pack", "Autumn calls before the work / total", `**${beforeTotal(credits.ours)}** (${calls(credits.ours.calls)})`,
        `credits pattern, check ×2 → work → track ×2: ${beforeTotal(credits.baseline)}`, `${times((credits.baseline.total) / credits.ours.total)} fewer`);
    }
    if (checkout?.baseline) add("a", "Checkout, card on file (free → team)", "Autumn calls", `${checkout.ours.total} (${calls(checkout.ours.calls)})`, `${checkout.baseline.total} (${calls(checkout.baseline.calls)})`, checkout.ours.total > checkout.baseline.total ? "+1: `ensureCustomer` before `attach`" : "=");
    if (cancel?.baseline) add("a", "Cancel (end of cycle)", "Autumn calls", `${cancel.ours.total} (${calls(cancel.ours.calls)})`, `${cancel.baseline.total} (${calls(cancel.baseline.calls)})`, cancel.ours.total === cancel.baseline.total ? "=" : `${cancel.ours.total - cancel.baseline.total > 0 ? "+" : ""}${cancel.ours.total - cancel.baseline.total}`);
  }

  if (r.reconcile) {
    const rc = r.reconcile;
    const measured = [...rc.measured].sort((a, b) => a.n - b.n);
    const largest = measured[measured.length - 1] as ReconcileRun;
    const naive = measured.find((m) => m.naive)?.naive;
    const sizes = [...new Set([...measured.map((m) => m.n), 1_000, 10_000, 100_000])].sort((a, b) => a - b);
    // Unmeasured sizes: counts from the module's page and batch sizes (exactly
    // what the measured runs show), wall time scaled per page from the largest run.
    const writeBatch = (largest.runsByFunction["billing/reconcile:applyBatch"] ?? 0) / Math.max(1, largest.pages);
    const est = (n: number) => {
      const m = measured.find((x) => x.n === n);
      if (m) return { m, pages: m.pages, calls: m.autumnTotal, runs: m.functionRuns, wall: m.wallMs, x: false };
      const pages = Math.ceil(n / rc.pageSize);
      const orgPages = Math.floor(n / rc.orgPageSize) + 1;
      const runs = 1 + pages * (3 + writeBatch) + orgPages;
      const wall = (largest.customersPhaseMs / largest.pages) * pages + (largest.organizationsPhaseMs / largest.orgPages) * orgPages;
      return { m: null, pages, calls: pages, runs, wall, x: true };
    };
    const cols = sizes.map(est);
    const star = (c: { x: boolean }, s: string) => (c.x ? `${s}*` : s);
    const label = sizes.map((n, i) => star(cols[i] as { x: boolean }, sizeLabel(n))).join(" / ");
    const what = `Daily reconcile (\`reconcile.start\`), N = ${label} orgs`;
    const naiveCalls = naive?.autumnCallsPerCustomer ?? 1;
    const naiveRuns = naive?.functionRunsPerCustomer ?? 2;
    add("b", what, "Autumn calls", `**${cols.map((c) => star(c, int(c.calls))).join(" / ")}** (\`customers.list\`, ${int(rc.pageSize)} per page)`,
      `${sizes.map((n) => int(n * naiveCalls)).join(" / ")} (one \`customers.get\` per org)`, `${times((sizes[0] as number) * naiveCalls / (cols[0]?.calls ?? 1))} fewer`);
    add("b", "″", "Convex function runs", `${cols.map((c) => star(c, int(c.runs))).join(" / ")}`, `${sizes.map((n) => int(n * naiveRuns)).join(" / ")} (an action + a mutation per org)`,
      `${times(((sizes[sizes.length - 1] as number) * naiveRuns) / (cols[cols.length - 1]?.runs ?? 1))} fewer at ${sizeLabel(sizes[sizes.length - 1] as number)}`);
    const maxRead = Math.max(...measured.map((m) => m.maxRead.docs));
    const maxWritten = Math.max(...measured.map((m) => m.maxWritten.docs));
    add("b", "″", `Most documents read / written by one function (Convex limits ${int(rc.limits.documentsRead)} / ${int(rc.limits.documentsWritten)})`,
      `${maxRead} / ${maxWritten} at every measured N (\`organizationsPage\` / \`applyBatch\`)`, naive ? `${naive.maxRead} / ${naive.maxWritten}` : "—",
      `${((maxRead / rc.limits.documentsRead) * 100).toFixed(1)}% / ${((maxWritten / rc.limits.documentsWritten) * 100).toFixed(1)}% of the limits; bounded by batch sizes, not N`);
    add("b", "″", `Wall time, steps ${rc.pacingMs} ms apart (convex-test + sandbox, this machine)`, cols.map((c) => star(c, secs(c.wall))).join(" / "), "—", "");
    const listFloor = (c: { pages: number }) => (c.pages / 5) * 1000;
    const orgPhase = (n: number) => (Math.floor(n / rc.orgPageSize) + 1) * rc.pacingMs;
    add("b", "″", "Time at Autumn's rate limit (`customers.list` 5/s per org) vs one `customers.get` every 100 ms",
      `${cols.map((c) => secs(listFloor(c))).join(" / ")} of list calls (+ ${sizes.map((n) => secs(orgPhase(n))).join(" / ")} for the organizations phase, no Autumn calls)`,
      `${sizes.map((n) => secs(n * rc.naiveSpacingMs)).join(" / ")}`,
      `${times(((sizes[sizes.length - 1] as number) * rc.naiveSpacingMs) / (listFloor(cols[cols.length - 1] as { pages: number }) + orgPhase(sizes[sizes.length - 1] as number)))} faster (computed)`);
  }

  if (r.contention) {
    const c = r.contention;
    add("c", `${c.racers} concurrent metered calls on a balance of exactly ${c.balance}`, "allowed (the work ran)",
      `**${c.ours.allowed}**, ${c.ours.denied} \`QUOTA_EXCEEDED\`; Autumn after: usage ${c.ours.after.usage}, remaining ${c.ours.after.remaining}`,
      `naive: ${c.naive.allowed} allowed; Autumn after: usage ${c.naive.after.usage}, remaining ${c.naive.after.remaining} → ${c.naive.allowed - c.naive.after.usage} unbilled`,
      c.ours.allowed === c.balance ? "exact ✓" : "✗");
    const ratio = c.throughput.oursMedian / c.throughput.naiveMedian;
    add("c", `Throughput, claim (lease or lock) → work → background confirm (${c.throughput.concurrency} in flight, median of ${c.throughput.rounds}×${c.throughput.ops})`, "ops/s, end to end (incl. convex-test mutations)",
      `**${int(c.throughput.oursMedian)}**`,
      `naive check → work → track: ${int(c.throughput.naiveMedian)}${c.throughput.sendEventMedian !== undefined ? `; single \`check\` with \`send_event\` → work: ${int(c.throughput.sendEventMedian)}` : ""}`,
      `${ratio.toFixed(2)}× naive${c.throughput.sendEventMedian !== undefined ? `, ${(c.throughput.oursMedian / c.throughput.sendEventMedian).toFixed(2)}× send_event` : ""}; target ≥ 1.5× ${ratio >= 1.5 ? "✓" : "✗"}`);
    if (c.hotRows) {
      const h = c.hotRows;
      const f = (x: number): string => x.toFixed(x < 0.1 ? 3 : 2);
      add("c", "″ metered calls with no Autumn round trip before the work", "share of calls", `**${(h.leasedShare * 100).toFixed(0)}%** (units taken from ${h.leases} leases of a locked block)`, "naive and send_event: 0% (a check per call)", h.exact ? "usage exact ✓" : "usage ✗");
      add("c", "″ writes per op to any single shared row", "writes / op", `lease row ${f(h.perOp.leaseRow)}, org cache row ${f(h.perOp.cacheRow)}, day ledger row ${f(h.perOp.ledgerRow)}`, `before: cache row ${h.before.cacheRow}, ledger row ${h.before.ledgerRow} (every reserve and confirm)`, "");
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
