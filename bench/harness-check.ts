// Shows that bench/harness-index.ts (the benchmarks' speed-up for
// convex-test's in-memory database) changes no count: the reconcile benchmark
// is run at one N with the index and again with BENCH_FAST_INDEX=0, and every
// count it reports is compared: Autumn calls per route, Convex function runs
// per function, documents read and written per function, the largest single
// read/write, the run's own totals, and the naive baseline's per-org counts.
// Only wall time may differ. bench/run.ts runs it; table.ts prints the result
// under the table.

/** The counts one reconcile run reports (a subset of reconcile.bench.ts's Measured). */
export interface ReconcileCounts {
  n: number;
  autumnCalls: Record<string, number>;
  functionRuns: number;
  runsByFunction: Record<string, number>;
  readByFunction?: Record<string, number>;
  writtenByFunction?: Record<string, number>;
  maxRead: { docs: number; fn: string };
  maxWritten: { docs: number; fn: string };
  pages: number;
  run: Record<string, string | number>;
  naive?: { autumnCallsPerCustomer: number; functionRunsPerCustomer: number; maxRead: number; maxWritten: number };
  wallMs: number;
}

export interface HarnessCheck {
  n: number;
  identical: boolean;
  /** Each count that differs: `path: with → without`. */
  differences: string[];
  /** How many individual numbers were compared. */
  compared: number;
  totals: { autumnCalls: number; functionRuns: number; documentsRead: number; documentsWritten: number };
  wallMs: { indexed: number; plain: number };
}

const sum = (r: Record<string, number> | undefined): number => Object.values(r ?? {}).reduce((a, n) => a + n, 0);

/** Every count of a run as flat `path → number` pairs (wall times and other timings left out). */
function flatten(c: ReconcileCounts): Map<string, number | string> {
  const out = new Map<string, number | string>();
  const put = (prefix: string, r: Record<string, number | string> | undefined): void => {
    for (const [k, v] of Object.entries(r ?? {})) out.set(`${prefix}.${k}`, v);
  };
  out.set("n", c.n);
  out.set("pages", c.pages);
  out.set("functionRuns", c.functionRuns);
  put("autumnCalls", c.autumnCalls);
  put("runsByFunction", c.runsByFunction);
  put("readByFunction", c.readByFunction);
  put("writtenByFunction", c.writtenByFunction);
  put("maxRead", c.maxRead);
  put("maxWritten", c.maxWritten);
  put("run", c.run);
  if (c.naive) {
    put("naive", {
      autumnCallsPerCustomer: c.naive.autumnCallsPerCustomer, functionRunsPerCustomer: c.naive.functionRunsPerCustomer,
      maxRead: c.naive.maxRead, maxWritten: c.naive.maxWritten,
    });
  }
  return out;
}

export function compareHarnessIndex(indexed: ReconcileCounts, plain: ReconcileCounts): HarnessCheck {
  const a = flatten(indexed);
  const b = flatten(plain);
  const differences: string[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (a.get(key) !== b.get(key)) differences.push(`${key}: ${a.get(key) ?? "—"} → ${b.get(key) ?? "—"}`);
  }
  return {
    n: indexed.n,
    identical: differences.length === 0,
    differences,
    compared: a.size,
    totals: {
      autumnCalls: sum(indexed.autumnCalls), functionRuns: indexed.functionRuns,
      documentsRead: sum(indexed.readByFunction), documentsWritten: sum(indexed.writtenByFunction),
    },
    wallMs: { indexed: indexed.wallMs, plain: plain.wallMs },
  };
}
