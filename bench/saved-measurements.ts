// Measurements too slow for the default `pnpm bench` (the 100k-organization
// reconcile takes minutes) are taken once with an explicit command and kept
// in bench/measured/*.json, so the table can show a MEASURED cell instead of
// an extrapolated one. Each file records when and where it was measured and a
// hash of the source it measured; a file whose source has changed since is
// ignored (the cell falls back to an extrapolation, marked *), never shown as
// if it still held.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { BENCH_DIR } from "./lib";

const DIR = join(BENCH_DIR, "measured");
const ROOT = resolve(BENCH_DIR, "..");

export interface Saved<T> {
  /** What was measured, e.g. "reconcile". */
  bench: string;
  n: number;
  measuredAt: string;
  machine: string;
  /** The command that produced the file. */
  command: string;
  /** sha256 (first 12 hex) of the measured source files, in order. */
  sourceHash: string;
  sources: string[];
  result: T;
}

/** A hash of the files (paths relative to the repo root) a measurement depends on. */
export function sourceHash(sources: string[]): string {
  const h = createHash("sha256");
  for (const s of sources) h.update(`${s}\0`).update(readFileSync(join(ROOT, s)));
  return h.digest("hex").slice(0, 12);
}

export function saveMeasurement<T>(bench: string, n: number, sources: string[], command: string, result: T): string {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `${bench}-${n}.json`);
  const saved: Saved<T> = {
    bench, n, measuredAt: new Date().toISOString(), command,
    machine: `Node ${process.versions.node}, ${cpus().length} CPU × ${cpus()[0]?.model.trim() ?? "?"}`,
    sourceHash: sourceHash(sources), sources, result,
  };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  return file;
}

/** Saved measurements of `bench` whose sources are unchanged; stale ones are reported and skipped. */
export function loadMeasurements<T>(bench: string, sources: string[], log: (m: string) => void): Array<Saved<T>> {
  if (!existsSync(DIR)) return [];
  const hash = sourceHash(sources);
  const out: Array<Saved<T>> = [];
  for (const name of readdirSync(DIR).sort()) {
    if (!name.startsWith(`${bench}-`) || !name.endsWith(".json")) continue;
    const saved = JSON.parse(readFileSync(join(DIR, name), "utf8")) as Saved<T>;
    if (saved.bench !== bench) continue;
    if (saved.sourceHash !== hash || saved.sources.join() !== sources.join()) {
      log(`${name}: measured source changed since ${saved.measuredAt.slice(0, 10)}; not used (re-run: ${saved.command})`);
      continue;
    }
    out.push(saved);
  }
  return out;
}
