// `pnpm codegen`: the REAL Convex CLI's deployment-backed codegen, offline.
// `npx convex codegen` pushes the functions to a deployment (codegen only) and
// writes the bindings from the deployment's analysis; without a deployment we
// answer that one request ourselves: a local stub speaks the two endpoints the
// CLI calls (get_config_hashes, deploy2/start_push) and computes the analysis
// the way the backend does, by loading every pushed module in an isolate and
// reading each function's kind, visibility and exportArgs()/exportReturns()
// (scripts/deploy-check.ts). So convex/_generated and
// convex/betterAuth/_generated (TypeScript files plus component.ts) are exactly
// what `npx convex dev` writes: a real `convex dev` leaves the tree clean.
// Runs in a temporary copy of the project (no .env.local, nothing else
// touched), then copies the two _generated directories back.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { loadInIsolate, ROOT, type PushModule, type PushRequest } from "./deploy-check";

export const GENERATED_DIRS = ["convex/_generated", "convex/betterAuth/_generated"] as const;

interface RegisteredFn { isQuery?: boolean; isMutation?: boolean; isAction?: boolean; isPublic?: boolean; exportArgs?: () => string; exportReturns?: () => string }
type Tree = { [name: string]: Tree | string };

async function analyze(modules: PushModule[]) {
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const entries = modules.filter((m) => !m.path.startsWith("_deps/")).map((m) => m.path);
  const loaded = await loadInIsolate(entries, byPath);
  const functions: Record<string, unknown> = {};
  const tree: Tree = {};
  for (const path of entries) {
    const list = [];
    for (const [name, value] of Object.entries(loaded[path] ?? {})) {
      const f = value as RegisteredFn | null;
      if (!f || !(f.isQuery || f.isMutation || f.isAction)) continue;
      list.push({
        name, pos: null, udfType: f.isQuery ? "Query" : f.isMutation ? "Mutation" : "Action",
        visibility: { kind: f.isPublic ? "public" : "internal" }, args: f.exportArgs?.() ?? null, returns: f.exportReturns?.() ?? null,
      });
      if (f.isPublic) {
        let node = tree;
        for (const seg of path.replace(/\.js$/, "").split("/")) node = (node[seg] ??= {}) as Tree;
        node[name] = `_reference/function/${path.replace(/\.js$/, "")}:${name}`;
      }
    }
    functions[path] = { functions: list, httpRoutes: null, cronSpecs: null, sourceMapped: null };
  }
  const branch = (node: Tree): unknown => ({
    type: "branch",
    branch: Object.entries(node).map(([k, v]) => [k, typeof v === "string" ? { type: "leaf", leaf: v } : branch(v)]),
  });
  return { functions, exports: branch(tree) };
}

async function startPushResponse(request: PushRequest) {
  const udfConfig = { serverVersion: "1.48.0" };
  const none = { httpModuleRoutes: null, mounts: [] };
  const app = await analyze(request.appDefinition.changedModules);
  const analysis: Record<string, unknown> = {};
  const children: Record<string, unknown> = {};
  const instantiations = [];
  for (const c of request.componentDefinitions) {
    const name = c.definitionPath.split("/").filter(Boolean).pop() ?? c.definitionPath;
    const a = await analyze(c.functions);
    analysis[c.definitionPath] = {
      definition: { path: c.definitionPath, definitionType: { type: "childComponent", name }, childComponents: [], httpMounts: {}, exports: a.exports },
      schema: null, functions: a.functions, udfConfig,
    };
    children[name] = { definitionPath: c.definitionPath, componentPath: name, args: {}, childComponents: {}, httpRoutes: none, exports: {} };
    instantiations.push({ name, path: c.definitionPath, env: null });
  }
  analysis[""] = {
    definition: { path: "", definitionType: { type: "app" }, childComponents: instantiations, httpMounts: {}, exports: app.exports },
    schema: null, functions: app.functions, udfConfig,
  };
  return {
    environmentVariables: {}, externalDepsId: null, componentDefinitionPackages: {}, appAuth: [], analysis,
    app: { definitionPath: "", componentPath: "", args: {}, childComponents: children, httpRoutes: none, exports: {} },
    schemaChange: { allocatedComponentIds: {}, schemaIds: {} },
  };
}

/** A stand-in deployment for codegen: config hashes (nothing deployed) and start_push (the analysis). */
async function analysisStub(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = (body: unknown) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(body)); };
      if (req.url === "/api/get_config_hashes") return reply({ config: { functions: "convex/" }, moduleHashes: [], nodeDependencies: [], udfServerVersion: "1.48.0" });
      if (req.url === "/api/deploy2/start_push") {
        let body = Buffer.concat(chunks);
        const encoding = req.headers["content-encoding"];
        if (encoding === "br") body = brotliDecompressSync(body);
        else if (encoding === "gzip") body = gunzipSync(body);
        startPushResponse(JSON.parse(body.toString("utf8")) as PushRequest).then(reply, (err: unknown) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: "AnalysisFailed", message: String(err) }));
        });
        return;
      }
      reply({});
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Run the CLI's codegen on a temporary copy of the project; returns that copy's directory (caller removes it). */
export async function generateInCopy(root: string = ROOT): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "convex-codegen-"));
  cpSync(join(root, "convex"), join(dir, "convex"), { recursive: true });
  for (const f of ["package.json", "tsconfig.json", "tsconfig.base.json", "convex.json"]) if (existsSync(join(root, f))) cpSync(join(root, f), join(dir, f));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const stub = await analysisStub();
  try {
    const env: Record<string, string | undefined> = { ...process.env, CONVEX_SELF_HOSTED_URL: stub.url, CONVEX_SELF_HOSTED_ADMIN_KEY: "codegen|stub" };
    delete env.CONVEX_DEPLOYMENT;
    delete env.CONVEX_DEPLOY_KEY;
    await new Promise<void>((resolveRun, reject) => {
      execFile(join(ROOT, "node_modules/.bin/convex"), ["codegen", "--typecheck", "disable"], { cwd: dir, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => (err ? reject(new Error(`convex codegen failed: ${err.message}\n${stdout}\n${stderr}`)) : resolveRun()));
    });
    return dir;
  } finally {
    await stub.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = await generateInCopy();
  try {
    for (const rel of GENERATED_DIRS) {
      const target = join(ROOT, rel);
      mkdirSync(target, { recursive: true });
      for (const f of readdirSync(target)) rmSync(join(target, f));
      cpSync(join(dir, rel), target, { recursive: true });
      console.log(`codegen: ${rel}: ${readdirSync(target).sort().join(", ")}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
