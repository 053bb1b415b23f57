// `pnpm bench`: runs every benchmark once and prints ONE markdown table (stdout;
// also written to bench/results.md). Progress goes to stderr.
//
//   pnpm bench                       # everything (~1.5 min on a 2-core machine)
//   pnpm bench roundtrips latency    # a subset (the table shows only those rows)
//   BENCH_RECONCILE_SIZES=1000,10000,100000 pnpm bench reconcile   # measure 100k too (slow; saved
//                                    # in bench/measured/, shown † by later runs while reconcile.ts is unchanged)
//   pnpm bench harness               # only the harness-index check (reconcile at N=1000 with and without it)
//
// The Convex benchmarks (bench/*.bench.ts) need convex-test, which needs Vite's
// import.meta.glob, so they run inside Vitest with bench/vitest.config.ts (not
// part of `pnpm test`), one file after another, each writing a JSON result into
// a fresh directory; the UI-weight build runs here, in Node. "harness" runs
// the reconcile once more at N=1000 without bench/harness-index.ts and checks
// that every count is the same (bench/harness-check.ts). Then the table and
// its footnotes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BENCH_DIR } from "./lib";
import { compareHarnessIndex, type ReconcileCounts } from "./harness-check";
import { renderFootnotes, renderTable, type Results } from "./table";
import { measureUiWeight } from "./ui-weight";

const ROOT = resolve(BENCH_DIR, "..");
const CONVEX_BENCHES = ["roundtrips", "reconcile", "contention", "convergence", "latency"] as const;
const ALL = [...CONVEX_BENCHES, "harness", "ui"] as const;
const HARNESS_N = 1_000;

const log = (m: string): void => { process.stderr.write(`[bench] ${m}\n`); };

function runVitest(files: string[], out: string, env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--config", "bench/vitest.config.ts", ...files], {
      cwd: ROOT,
      env: { ...process.env, ...env, BENCH_OUT: out },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Everything Vitest says is progress: stderr, so stdout carries only the table.
    child.stdout.pipe(process.stderr);
    child.stderr.pipe(process.stderr);
    child.on("error", reject);
    child.on("close", (code) => resolvePromise(code ?? 1));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const unknown = args.filter((a) => !(ALL as readonly string[]).includes(a));
  if (unknown.length) {
    log(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${ALL.join(", ")}`);
    process.exit(2);
  }
  const selected = args.length ? args : [...ALL];
  const started = Date.now();
  const out = mkdtempSync(join(tmpdir(), "billing-bench-"));
  const results: Results = {};
  let failed = false;
  try {
    const convex = CONVEX_BENCHES.filter((b) => selected.includes(b));
    if (convex.length) {
      log(`running ${convex.join(", ")} (vitest, bench/vitest.config.ts)`);
      const code = await runVitest(convex.map((b) => `bench/${b}.bench.ts`), out);
      if (code !== 0) { failed = true; log(`vitest exited with ${code}`); }
      for (const name of convex) {
        const file = join(out, `${name}.json`);
        if (existsSync(file)) (results as Record<string, unknown>)[name] = JSON.parse(readFileSync(file, "utf8"));
        else { failed = true; log(`no result from ${name}`); }
      }
    }
    if (selected.includes("harness")) {
      // The reconcile at N=1000 with the index (this run's, or a run of its own) and without it.
      const runAt = async (fastIndex: "0" | "1"): Promise<ReconcileCounts | null> => {
        const dir = join(out, `harness-${fastIndex}`);
        log(`harness-index check: reconcile N=${HARNESS_N} ${fastIndex === "1" ? "with" : "without"} the index`);
        const code = await runVitest(["bench/reconcile.bench.ts"], dir, { BENCH_RECONCILE_SIZES: String(HARNESS_N), BENCH_FAST_INDEX: fastIndex });
        const file = join(dir, "reconcile.json");
        if (code !== 0 || !existsSync(file)) return null;
        return (JSON.parse(readFileSync(file, "utf8")) as { measured: ReconcileCounts[] }).measured.find((m) => m.n === HARNESS_N) ?? null;
      };
      const thisRun = results.reconcile?.measured.find((m) => m.n === HARNESS_N) ?? null;
      const indexed = thisRun ?? await runAt("1");
      const plain = await runAt("0");
      if (indexed && plain) results.harness = compareHarnessIndex(indexed, plain);
      else { failed = true; log("harness-index check: no result"); }
      if (results.harness && !results.harness.identical) { failed = true; log(`harness-index changes counts: ${results.harness.differences.join("; ")}`); }
    }
    if (selected.includes("ui")) {
      log("building the UI-weight apps (vite)");
      results.ui = await measureUiWeight(log);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const took = (Date.now() - started) / 1000;
  const table = renderTable(results);
  const notes = renderFootnotes(results);
  const md = [
    table,
    "",
    `<sub>\`pnpm bench\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpus().length} CPU × ${cpus()[0]?.model.trim() ?? "?"}; ` +
      `whole run ${Math.round(took)} s.${notes.length ? "<br>" : ""}${notes.join("<br>")}</sub>`,
  ].join("\n");
  process.stdout.write(`${md}\n`);
  if (!args.length || process.env.BENCH_WRITE === "1") writeFileSync(join(BENCH_DIR, "results.md"), `${md}\n`);
  log(`done in ${Math.round(took)} s${failed ? " (with failures)" : ""}`);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
