// Row b of the table: the daily reconcile against one customers.get per org.
// Cells are measured in this run, measured in an earlier separate run (†,
// bench/measured/, while reconcile.ts is unchanged), or extrapolated (*);
// the times at Autumn's rate limits are computed from Autumn's published
// per-route limits (bench/autumn-limits.ts), carried in the results.
import { msPerCall, msPerCallAcrossCustomers, type RouteLimit } from "./autumn-limits";
import { int, secs, sizeLabel, times } from "./format";
import type { ReconcileCounts } from "./harness-check";

export interface ReconcileRun extends ReconcileCounts {
  autumnTotal: number; customersPhaseMs: number; organizationsPhaseMs: number; orgPages: number;
  naive?: { sample?: number; calls?: Record<string, number>; autumnCallsPerCustomer: number; functionRunsPerCustomer: number; maxRead: number; maxWritten: number; workMsPerCustomer: number };
}
export interface SavedRun { measuredAt: string; machine: string; command: string; result: ReconcileRun }
export interface Reconcile {
  measured: ReconcileRun[]; saved?: SavedRun[]; pageSize: number; pacingMs: number; defaultPacingMs: number; orgPageSize: number;
  autumnLimits: { customersList: RouteLimit; customersGet: RouteLimit[] };
  limits: { documentsRead: number; documentsWritten: number };
}

type Mark = "" | "†" | "*";

/** "5/s", "240,000/min". */
const rate = (l: RouteLimit): string => `${int(l.limit)}/${l.windowMs === 1_000 ? "s" : l.windowMs === 60_000 ? "min" : secs(l.windowMs)}`;
interface Column { n: number; mark: Mark; pages: number; orgPages: number; calls: number; runs: number; wall: number }

function columns(rc: Reconcile): Column[] {
  const saved = (rc.saved ?? []).map((s) => s.result);
  const known = [...rc.measured, ...saved].sort((a, b) => a.n - b.n);
  const largest = known[known.length - 1] as ReconcileRun;
  const sizes = [...new Set([...known.map((m) => m.n), 1_000, 10_000, 100_000])].sort((a, b) => a - b);
  // The largest run's function runs, split into once per run, once per organizations page, and the rest per list page.
  const byFn = Object.entries(largest.runsByFunction);
  const once = largest.pages > 1 ? byFn.filter(([, k]) => k === 1).reduce((a, [, k]) => a + k, 0) : 0;
  const perListPage = (largest.functionRuns - once - largest.orgPages) / Math.max(1, largest.pages);
  return sizes.map((n) => {
    const m = rc.measured.find((x) => x.n === n) ?? saved.find((x) => x.n === n);
    if (m) return { n, mark: rc.measured.includes(m) ? "" : "†", pages: m.pages, orgPages: m.orgPages, calls: m.autumnTotal, runs: m.functionRuns, wall: m.wallMs };
    // Not measured: counts from the module's page and batch sizes (exactly what
    // the measured runs show), wall time scaled per page from the largest run.
    const pages = Math.ceil(n / rc.pageSize);
    const orgPages = Math.floor(n / rc.orgPageSize) + 1;
    const wall = (largest.customersPhaseMs / largest.pages) * pages + (largest.organizationsPhaseMs / largest.orgPages) * orgPages;
    return { n, mark: "*", pages, orgPages, calls: pages, runs: once + pages * perListPage + orgPages, wall };
  });
}

export function reconcileRows(rc: Reconcile, add: (...cells: string[]) => void): void {
  const cols = columns(rc);
  const naive = rc.measured.find((m) => m.naive)?.naive;
  const first = cols[0] as Column;
  const last = cols[cols.length - 1] as Column;
  const each = (f: (c: Column) => string): string => cols.map((c) => `${f(c)}${c.mark}`).join(" / ");
  // The baseline's counts: its per-org counts from the sample, × N (never measured at N).
  const sample = naive?.sample ?? 0;
  const naiveEach = (perOrg: number): string => cols.map((c) => `${int(c.n * perOrg)}${c.n > sample ? "*" : ""}`).join(" / ");
  const naiveCalls = naive?.autumnCallsPerCustomer ?? 1;
  const naiveRuns = naive?.functionRunsPerCustomer ?? 2;
  const perOrg = (x: number): string => (x === 1 ? "one" : String(Math.round(x * 100) / 100));
  const naiveWhat = naive?.calls && sample ? `${Object.entries(naive.calls).map(([route, k]) => `${perOrg(k / sample)} \`${route}\``).join(" + ")} per org` : "one `customers.get` per org";

  add("b", `Daily reconcile (\`reconcile.start\`), N = ${each((c) => sizeLabel(c.n))} orgs`, "Autumn calls",
    `**${each((c) => int(c.calls))}** (\`customers.list\`, ${int(rc.pageSize)} per page)`,
    `${naiveEach(naiveCalls)} (${naiveWhat})`, `${times((first.n * naiveCalls) / first.calls)} fewer`);
  add("b", "″", "Convex function runs", each((c) => int(c.runs)), `${naiveEach(naiveRuns)} (${naiveRuns === 2 ? "an action + a mutation" : `${perOrg(naiveRuns)} functions`} per org)`,
    `${times((last.n * naiveRuns) / last.runs)} fewer at ${sizeLabel(last.n)}`);
  const known = [...rc.measured, ...(rc.saved ?? []).map((s) => s.result)];
  const maxRead = Math.max(...known.map((m) => m.maxRead.docs));
  const maxWritten = Math.max(...known.map((m) => m.maxWritten.docs));
  add("b", "″", `Most documents read / written by one function (Convex limits ${int(rc.limits.documentsRead)} / ${int(rc.limits.documentsWritten)})`,
    `${maxRead} / ${maxWritten} at every measured N (\`organizationsPage\` / \`applyBatch\`)`, naive ? `${naive.maxRead} / ${naive.maxWritten}` : "—",
    `${((maxRead / rc.limits.documentsRead) * 100).toFixed(1)}% / ${((maxWritten / rc.limits.documentsWritten) * 100).toFixed(1)}% of the limits; bounded by batch sizes, not N`);
  add("b", "″", `Wall time, list steps ${rc.pacingMs} ms apart (convex-test + sandbox, this machine)`, each((c) => secs(c.wall)), "—", "");

  // At Autumn's published limits (computed): the module's list calls at the
  // customers.list limit; the baseline's gets at the customers.get limits.
  const list = rc.autumnLimits.customersList;
  const perGet = msPerCallAcrossCustomers(rc.autumnLimits.customersGet);
  const listTime = (c: Column): number => c.pages * msPerCall(list);
  // The organizations phase calls no Autumn route and waits only after a page that provisioned someone; every
  // organization here already has its customer, so the Autumn-limited time is the list calls'.
  const getTime = (c: Column): number => c.n * perGet;
  const orgLimit = rc.autumnLimits.customersGet.find((l) => l.scope === "org");
  const shorter = (ours: number, base: number): string => (ours <= base ? `${times(base / ours)} shorter` : `${times(ours / base)} longer`);
  add("b", "″", `Time at Autumn's published limits (computed): \`customers.list\` ${rate(list)} per org vs \`customers.get\` ${orgLimit ? `${rate(orgLimit)} per org (\`${orgLimit.name}\`)` : ""}`,
    `${each((c) => secs(listTime(c)))} of list calls (the organizations phase calls no Autumn route and is not paced unless it provisions)`,
    `${cols.map((c) => secs(getTime(c))).join(" / ")} (${int(1_000 / perGet)}/s sustained)`,
    `at ${sizeLabel(last.n)}: Autumn-limited time ${shorter(listTime(last), getTime(last))} (${secs(listTime(last))} vs ${secs(getTime(last))})`);
}

/** Lines under the table that row b's marks and computed cells need. */
export function reconcileFootnotes(rc: Reconcile): string[] {
  const cols = columns(rc);
  const out: string[] = [];
  const sample = rc.measured.find((m) => m.naive)?.naive?.sample ?? 0;
  if (cols.some((c) => c.mark === "*" || c.n > sample)) {
    out.push(`b: * = not measured at that N: the module's counts follow from its page and batch sizes and its wall time is scaled per page from the largest measured N; the baseline's counts are its per-org counts on a ${int(sample)}-org sample × N.`);
  }
  for (const s of rc.saved ?? []) {
    out.push(`b: † N = ${sizeLabel(s.result.n)} measured ${s.measuredAt.slice(0, 10)} in a separate run (\`${s.command}\`, ${s.machine}): wall time ${secs(s.result.wallMs)}, ${int(s.result.autumnTotal)} Autumn calls, ${int(s.result.functionRuns)} function runs; kept in bench/measured/ while convex/billing/reconcile.ts is unchanged.`);
  }
  const l = rc.autumnLimits;
  const show = (x: RouteLimit): string => `\`${x.name}\` ${rate(x)} per ${x.scope}`;
  out.push(`b: Autumn's published limits (useautumn/autumn server/src/internal/misc/rateLimiter/rateLimitConfigs.ts @187c0a7): \`customers.list\` ${show(l.customersList)} (autumn-js 1.3.13 sends x-api-version 2.4.0: the base limit); \`customers.get\` ${l.customersGet.map(show).join(", then ")}. One get per customer never meets the per-customer limit, so the org aggregate binds. Times are the sustained rate (limit / window); the baseline's time leaves out its N actions and N mutations.`);
  return out;
}
