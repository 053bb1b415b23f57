// The deploy check (issue 11): bundle convex/ with the REAL Convex CLI, offline,
// exactly as `npx convex deploy` would, then judge the bundle:
//
//   1. `convex deploy --write-push-request` runs the CLI's own deploy bundler
//      (esbuild for the V8 runtime, components included) against a local stub
//      "self-hosted deployment" (CONVEX_SELF_HOSTED_URL/ADMIN_KEY from a
//      private --env-file, so a developer's .env.local is never used) and
//      writes the push request instead of sending it;
//   2. every module must be for the V8 isolate (no "use node"), with no Node
//      dependencies;
//   3. every module (with its chunks) must load in a web-API-only isolate
//      (@edge-runtime/vm, plus `process.env` as Convex provides it) — a
//      module that needs a Node built-in fails here, as it would on deploy;
//   4. modules that define only queries/mutations must not reach autumn-js or
//      zod (their code is loaded on every cold start of a query).
//
// `pnpm deploy:check` prints the report; scripts/deploy-check.test.ts asserts it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { EdgeVM } from "@edge-runtime/vm";

export const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");

// The esbuild the Convex CLI itself bundles with (a dependency of `convex`), not one of our own.
const fromConvex = createRequire(createRequire(import.meta.url).resolve("convex/package.json"));
// Only what is used here of esbuild's API (esbuild is not a dependency of this repo, so neither are its types).
interface ResolveArgs { path: string; importer: string; kind: string }
interface PluginBuild {
  onResolve(o: { filter: RegExp }, cb: (a: ResolveArgs) => { path?: string; namespace?: string; errors?: Array<{ text: string }> }): void;
  onLoad(o: { filter: RegExp; namespace: string }, cb: (a: { path: string }) => { contents?: string; loader?: "js"; errors?: Array<{ text: string }> }): void;
}
interface Plugin { name: string; setup(b: PluginBuild): void }
const { build } = fromConvex("esbuild") as {
  build(o: Record<string, unknown> & { plugins: Plugin[] }): Promise<{ outputFiles: Array<{ text: string }> }>;
};

export interface PushModule { path: string; source: string; sourceMap?: string | null; environment: string }
export interface PushRequest {
  appDefinition: { changedModules: PushModule[] };
  componentDefinitions: Array<{ definitionPath: string; functions: PushModule[] }>;
  nodeDependencies: unknown[];
}

export interface ModuleReport {
  component: string; // "app" or the component's definition path
  path: string;
  environment: string;
  loaded: boolean;
  loadError: string | null;
  kinds: string[]; // query, mutation, action, httpAction (registered exports)
  reaches: { autumnJs: boolean; zod: boolean; betterAuth: boolean };
  closureBytes: number;
}

export interface DeployCheckReport {
  bundleMs: number;
  modules: ModuleReport[];
  nodeDependencies: unknown[];
}

/** A stub deployment: the CLI only needs something listening; nothing is ever pushed to it. */
async function stubServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end("{}"); });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Run the real CLI's deploy bundler offline; returns the push request it would have sent. */
export async function bundleWithConvexCli(): Promise<{ request: PushRequest; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), "convex-deploy-check-"));
  const stub = await stubServer();
  try {
    const envFile = join(dir, "deploy.env");
    writeFileSync(envFile, `CONVEX_SELF_HOSTED_URL=${stub.url}\nCONVEX_SELF_HOSTED_ADMIN_KEY=deploy-check|stub\n`);
    const out = join(dir, "push");
    const env = { ...process.env };
    for (const k of ["CONVEX_DEPLOYMENT", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_URL", "CONVEX_SELF_HOSTED_ADMIN_KEY"]) delete env[k];
    const t0 = performance.now();
    await new Promise<void>((resolveRun, reject) => {
      execFile(resolve(ROOT, "node_modules/.bin/convex"), [
        "deploy", "--env-file", envFile, "--codegen", "disable", "--typecheck", "disable",
        "--write-push-request", out, "--push-all-modules",
      ], { cwd: ROOT, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`convex deploy (bundle only) failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolveRun();
      });
    });
    const ms = performance.now() - t0;
    return { request: JSON.parse(readFileSync(`${out}.json`, "utf8")) as PushRequest, ms };
  } finally {
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const IMPORT_RE = /(?:import|export)\s*(?:[^"'`;]*?\sfrom\s*)?["']([^"']+)["']/g;

function closureOf(entry: string, byPath: Map<string, PushModule>): PushModule[] {
  const seen = new Set<string>();
  const order: PushModule[] = [];
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const mod = byPath.get(path);
    if (!mod) return;
    order.push(mod);
    for (const m of mod.source.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? "";
      if (spec.startsWith(".")) visit(posix.normalize(posix.join(posix.dirname(path), spec)));
    }
  };
  visit(entry);
  return order;
}

function sourcesOf(mods: PushModule[]): string[] {
  return mods.flatMap((m) => {
    if (!m.sourceMap) return [];
    try { return (JSON.parse(m.sourceMap) as { sources?: string[] }).sources ?? []; } catch { return []; }
  });
}

const ENTRY = "__deploy_check_entry__.js";

/**
 * Re-link modules and their chunks (from the push request only, nothing
 * from disk) into one script the isolate can run: a virtual entry imports
 * every module, as the runtime's module loader would, sharing the chunks.
 */
async function linkForIsolate(entries: string[], byPath: Map<string, PushModule>): Promise<string> {
  const entrySource = entries.map((p, i) => `import * as m${i} from ${JSON.stringify(`./${p}`)};`).join("\n")
    + `\nglobalThis.__modules = {${entries.map((p, i) => `${JSON.stringify(p)}: m${i}`).join(", ")}};\n`;
  const fromPush: Plugin = {
    name: "push-request",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return { path: ENTRY, namespace: "push" };
        if (args.path.startsWith(".")) return { path: posix.normalize(posix.join(posix.dirname(args.importer), args.path)), namespace: "push" };
        // Anything else was left external by Convex's bundler: the isolate cannot load it.
        return { errors: [{ text: `"${args.path}" is not in the bundle (a Node built-in or an external package)` }] };
      });
      b.onLoad({ filter: /.*/, namespace: "push" }, (args) => {
        if (args.path === ENTRY) return { contents: entrySource, loader: "js" };
        const mod = byPath.get(args.path);
        return mod ? { contents: mod.source, loader: "js" } : { errors: [{ text: `missing module ${args.path}` }] };
      });
    },
  };
  const result = await build({
    entryPoints: [ENTRY], bundle: true, write: false, format: "iife",
    platform: "neutral", plugins: [fromPush], logLevel: "silent",
  });
  return result.outputFiles[0]?.text ?? "";
}

/** Load `entries` in one fresh web-API-only isolate; their exports by path. */
export async function loadInIsolate(entries: string[], byPath: Map<string, PushModule>): Promise<Record<string, Record<string, unknown>>> {
  const script = await linkForIsolate(entries, byPath);
  // Web APIs only (no require, no Node built-ins), plus process.env as a Convex deployment provides it.
  const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };
  const vm = new EdgeVM({ extend: (ctx) => Object.assign(ctx, { process: { env: {} }, console: quiet }) });
  vm.evaluate(script);
  return vm.evaluate("globalThis.__modules") as Record<string, Record<string, unknown>>;
}

function kindsOf(exports: Record<string, unknown>): string[] {
  const kinds = new Set<string>();
  for (const value of Object.values(exports)) {
    if ((typeof value !== "function" && typeof value !== "object") || value === null) continue;
    const f = value as Record<string, unknown>;
    if (f.isQuery) kinds.add("query");
    if (f.isMutation) kinds.add("mutation");
    if (f.isAction) kinds.add("action");
    if (f.isHttp || f.isRouter) kinds.add("httpAction");
  }
  return [...kinds].sort();
}

export async function checkModules(component: string, modules: PushModule[]): Promise<ModuleReport[]> {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const entries = modules.filter((m) => !m.path.startsWith("_deps/")).map((m) => m.path);
  // All together first (fast); if that fails, one by one to say which module cannot load.
  const loaded = new Map<string, { exports: Record<string, unknown> | null; error: string | null }>();
  const message = (err: unknown) => (err instanceof Error ? err.message.split("\n").slice(0, 3).join(" ") : String(err));
  try {
    const all = await loadInIsolate(entries, byPath);
    for (const p of entries) loaded.set(p, { exports: all[p] ?? {}, error: null });
  } catch {
    for (const p of entries) {
      try { loaded.set(p, { exports: (await loadInIsolate([p], byPath))[p] ?? {}, error: null }); }
      catch (err) { loaded.set(p, { exports: null, error: message(err) }); }
    }
  }
  return entries.map((path) => {
    const closure = closureOf(path, byPath);
    const sources = sourcesOf(closure);
    const result = loaded.get(path);
    return {
      component, path, environment: byPath.get(path)?.environment ?? "?",
      loaded: result?.exports != null, loadError: result?.error ?? null,
      kinds: result?.exports ? kindsOf(result.exports) : [],
      reaches: {
        autumnJs: sources.some((s) => s.includes("node_modules/autumn-js/")),
        zod: sources.some((s) => /node_modules\/zod\//.test(s)),
        betterAuth: sources.some((s) => s.includes("node_modules/better-auth/")),
      },
      closureBytes: closure.reduce((n, m) => n + m.source.length, 0),
    };
  });
}

export async function runDeployCheck(): Promise<DeployCheckReport> {
  const { request, ms } = await bundleWithConvexCli();
  const modules = [
    ...(await checkModules("app", request.appDefinition.changedModules)),
    ...(await Promise.all(request.componentDefinitions.map((c) => checkModules(c.definitionPath, c.functions)))).flat(),
  ];
  return { bundleMs: ms, modules, nodeDependencies: request.nodeDependencies };
}

/** Modules whose registered functions are all queries/mutations (what a query's cold start loads). */
export function isQueryOnly(m: ModuleReport): boolean {
  return m.kinds.length > 0 && m.kinds.every((k) => k === "query" || k === "mutation");
}

/**
 * better-auth's own modules need better-auth, which needs zod: the auth
 * triggers (auth.ts) and the component's adapter. They never load autumn-js.
 */
export const ZOD_VIA_BETTER_AUTH = new Set(["app:auth.js", "betterAuth:adapter.js"]);

/** Why a module fails the deploy check, or null. */
export function problem(m: ModuleReport): string | null {
  if (m.environment !== "isolate") return `runs in ${m.environment} ("use node"): it must run in the V8 isolate`;
  if (!m.loaded) return `does not load in a web-API-only isolate: ${m.loadError}`;
  if (isQueryOnly(m) && m.reaches.autumnJs) return "a query/mutation-only module reaches autumn-js";
  if (isQueryOnly(m) && m.reaches.zod && !(m.reaches.betterAuth && ZOD_VIA_BETTER_AUTH.has(`${m.component === "app" ? "app" : m.component.replace(/\/$/, "").split("/").pop()}:${m.path}`))) {
    return "a query/mutation-only module reaches zod";
  }
  return null;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await runDeployCheck();
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`bundled with the Convex CLI in ${report.bundleMs.toFixed(0)} ms; node dependencies: ${report.nodeDependencies.length}`);
  for (const m of report.modules) {
    const flags = [m.reaches.autumnJs ? "autumn-js" : "", m.reaches.zod ? "zod" : "", m.reaches.betterAuth ? "better-auth" : ""].filter(Boolean).join(",");
    console.log(`${m.loaded ? "✓" : "✗"} ${m.component === "app" ? "" : `${m.component}/`}${m.path.padEnd(28)} ${m.environment.padEnd(8)} ${(m.kinds.join(",") || "-").padEnd(30)} ${kib(m.closureBytes).padStart(9)} ${flags}${m.loadError ? `  ${m.loadError}` : ""}`);
  }
  const failed = report.modules.filter((m) => problem(m) !== null);
  for (const m of failed) console.log(`✗ ${m.component}:${m.path} ${problem(m)}`);
  console.log(failed.length ? `${failed.length} module(s) failed the deploy check` : "deploy check passed");
  process.exit(failed.length ? 1 : 0);
}
