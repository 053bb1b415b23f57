// DEVELOPMENT ONLY. Runs the project's convex/ functions, unmodified, on
// convex-test's in-memory engine and speaks Convex's client protocol on one
// node:http server:
//
//   ws://<host>/api/<version>/sync        WebSocket sync (ConvexReactClient / ConvexClient)
//   POST /api/query|mutation|action|…     HTTP API (ConvexHttpClient)
//   anything else                         HTTP actions (convex/http.ts) via t.fetch
//
// It exists because the real Convex backend binary cannot be downloaded
// offline. It is not a deployment: there are no limits, no isolation between
// functions beyond convex-test's, and queries are re-run wholesale instead of
// by read set. With `dataDir` its state persists there (persist.ts: every
// commit is on disk before it is acknowledged; scheduled.ts re-arms
// scheduled functions after a restart; crons that fell due while it was
// down run once on start); without it, state is in memory only.
import { createServer, type IncomingMessage } from "node:http";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { convexTest } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import { parseAuthConfig, TokenVerifier } from "./auth.js";
import { CronRunner, parseCrons } from "./crons.js";
import { Engine, kindOf, type Outcome, type Root } from "./engine.js";
import { createHttpHandler, SYNC_PATH } from "./http.js";
import { buildModuleIndex, findLocalComponents, importFile, type ModuleIndex } from "./modules.js";
import { engineInternals } from "./engineHook.js";
import { installIds } from "./ids.js";
import { Persistence, type PersistStats } from "./persist.js";
import { ScheduledRecovery } from "./scheduled.js";
import { statusPage } from "./status.js";
import { SyncHub } from "./syncHub.js";

export interface OfflineHostOptions {
  /** The app's functions directory (the one holding _generated/, schema.ts, http.ts…). */
  convexDir: string;
  /** Port to listen on; 0 picks a free one. Default 3212. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  hostname?: string;
  /** The HTTP actions origin functions see as CONVEX_SITE_URL (default: this server's URL). */
  siteUrl?: string;
  /** Environment for the functions (SITE_URL, BETTER_AUTH_SECRET, AUTUMN_*, …); written to process.env before any module loads. */
  env?: Record<string, string | undefined>;
  /** Run convex/crons.ts on its schedule (default true). */
  crons?: boolean;
  /** How often to look for writes made outside a client request (scheduled functions). Default 300 ms. */
  pollIntervalMs?: number;
  /** Where to print (default console.log). */
  log?: (line: string) => void;
  /** Clock for token expiry (default Date.now); tests move it to expire tokens. */
  now?: () => number;
  /** Keep state in this directory (created if missing; one host per directory). Default: in memory only. */
  dataDir?: string | null;
}

export interface OfflineHost {
  /** The deployment URL to give ConvexReactClient / ConvexClient / ConvexHttpClient. */
  url: string;
  /** The HTTP actions origin (CONVEX_SITE_URL). */
  siteUrl: string;
  /** The underlying convex-test instance (seeding, inspection). */
  t: Root;
  /** Run a cron from convex/crons.ts now, by its identifier. */
  runCron(identifier: string): Promise<Outcome>;
  /** Cron identifiers found in convex/crons.ts. */
  cronNames: string[];
  /** Re-run subscriptions now and wait until every client has been sent the result. */
  refresh(): Promise<void>;
  /** Where state persists (null: in memory), what was loaded, and the commit log's fsync timings. */
  persistence: { dataDir: string | null; loaded: PersistStats | null; timing: { appends: number; totalMs: number; maxMs: number } };
  close(): Promise<void>;
}

export const BANNER = "Convex OFFLINE DEVELOPMENT HOST (convex-test engine) — not a deployment";

function isSchema(value: unknown): value is SchemaDefinition<GenericSchema, boolean> {
  return typeof value === "object" && value !== null && "tables" in value && typeof value.tables === "object";
}

async function loadDefault(file: string): Promise<unknown> {
  const mod = await importFile(file);
  return typeof mod === "object" && mod !== null && "default" in mod ? mod.default : undefined;
}

function firstExisting(dir: string, base: string): string | undefined {
  return [".ts", ".js"].map((ext) => join(dir, base + ext)).find((f) => existsSync(f));
}

async function loadSchema(dir: string): Promise<SchemaDefinition<GenericSchema, boolean> | undefined> {
  const file = firstExisting(dir, "schema");
  if (!file) return undefined;
  const schema = await loadDefault(file);
  if (!isSchema(schema)) throw new Error(`${file} does not default-export a defineSchema(...)`);
  return schema;
}

export async function startOfflineHost(options: OfflineHostOptions): Promise<OfflineHost> {
  const convexDir = resolve(options.convexDir);
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const hostname = options.hostname ?? "127.0.0.1";

  // Listen first: with port 0 the URL (and so CONVEX_SITE_URL, which the
  // modules read at import time) is only known once bound.
  let onRequest: ((req: IncomingMessage, res: import("node:http").ServerResponse) => Promise<void>) | null = null;
  let setupError: Error | null = null;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const server = createServer((req, res) => {
    void ready.then(() => {
      if (setupError || !onRequest) {
        res.writeHead(503).end("Offline host failed to start");
        return;
      }
      return onRequest(req, res);
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3212, hostname, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${urlHost}:${port}`;
  const siteUrl = (options.siteUrl ?? url).replace(/\/$/, "");

  try {
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) process.env[k] = v;
    process.env.CONVEX_SITE_URL = siteUrl;
    process.env.CONVEX_CLOUD_URL = url;

    log("━".repeat(BANNER.length));
    log(BANNER);
    log("━".repeat(BANNER.length));
    log(`  Functions: ${convexDir}`);

    const components = findLocalComponents(convexDir);
    const rootModules = buildModuleIndex(convexDir, components.map((c) => c.dir));
    const t = convexTest(await loadSchema(convexDir), rootModules.map);
    const moduleIndexes = new Map<string, ModuleIndex>([["", rootModules]]);
    for (const c of components) {
      const schema = await loadSchema(c.dir);
      if (!schema) throw new Error(`Component ${c.name} (${c.dir}) has no schema.ts`);
      const index = buildModuleIndex(c.dir);
      t.registerComponent(c.name, schema, index.map);
      moduleIndexes.set(c.name, index);
      log(`  Component: ${c.name} (${c.dir})`);
    }
    const engine = new Engine(t, rootModules, log);

    // State: random ids always; on disk when a data directory is given.
    const internals = await engineInternals(t);
    for (const c of Object.values(internals.components)) installIds(c.db);
    const dataDir = options.dataDir ? resolve(options.dataDir) : null;
    let persistence: Persistence | null = null;
    let loaded: PersistStats | null = null;
    if (dataDir) {
      persistence = new Persistence(dataDir, internals, log);
      loaded = persistence.open();
      log(`  State persists in ${dataDir}: ${loaded.documents} documents loaded (${loaded.records} log records replayed, ${loaded.replayMs} ms)`);
      if (loaded.droppedTail) log(`  ⚠ The commit log ended in a damaged record (${loaded.droppedTail.reason}); it was dropped and the rest kept (see above).`);
    } else {
      log("  State is IN MEMORY ONLY: every user, organization and document is lost when this process stops.");
    }

    // Auth: the providers of convex/auth.config.ts; own-site URLs go through t.fetch.
    const authConfigFile = firstExisting(convexDir, "auth.config");
    const providers = authConfigFile ? parseAuthConfig(await loadDefault(authConfigFile)) : [];
    const siteOrigin = new URL(siteUrl).origin;
    const verifier = new TokenVerifier(
      providers,
      (target) => {
        const u = new URL(target);
        return u.origin === siteOrigin || u.origin === new URL(url).origin ? t.fetch(`${u.pathname}${u.search}`) : fetch(target);
      },
      now,
    );
    for (const p of providers) log(`  Auth provider: iss=${p.issuer} aud=${p.applicationID ?? "(any)"} jwks=${p.jwks ?? "(OIDC discovery)"}`);

    const hub = new SyncHub(engine, verifier, log, now, options.pollIntervalMs ?? 300);
    const changed = () => hub.requestRefresh();

    // Scheduled functions whose timers died with the previous process.
    const recovery = persistence ? new ScheduledRecovery(t, persistence, async (componentPath, udfPath) => {
      const [modulePath = "", exportName = "default"] = udfPath.split(":");
      const index = moduleIndexes.get(componentPath);
      if (!index?.files.has(modulePath)) return null;
      return kindOf((await index.load(modulePath))[exportName]);
    }, log, changed) : null;
    if (recovery) {
      const r = await recovery.start([...moduleIndexes.keys()]);
      if (r.due + r.later + r.failed + r.rerun > 0) {
        log(`  Scheduled functions restored: ${r.due} due now, ${r.later} later, ${r.rerun} interrupted mutations re-run, ${r.failed} interrupted actions marked failed`);
      }
    }

    const cronsFile = firstExisting(convexDir, "crons");
    const p = persistence;
    const cronRunner = new CronRunner(cronsFile ? parseCrons(await loadDefault(cronsFile)) : [], engine, log, changed,
      p ? { lastRuns: () => p.cronLastRuns(), record: (id, at) => p.recordCron(id, at) } : undefined);
    if (options.crons ?? true) cronRunner.start();

    const startedAt = Date.now();
    const persistInfo = { dataDir, loaded, timing: persistence?.timing ?? { appends: 0, totalMs: 0, maxMs: 0 } };
    onRequest = createHttpHandler({
      engine, verifier, log, changed,
      statusPage: () => statusPage({
        url, siteUrl, convexDir, startedAt, persistence: persistInfo, crons: cronRunner.entries.map((e) => e.identifier),
        components: [...moduleIndexes.keys()].filter(Boolean),
        documents: Object.fromEntries(Object.entries(internals.components).map(([path, c]) => [path || "app", Object.keys(c.db._documents).length])),
      }),
    });

    const wss = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      const pathname = new URL(req.url ?? "/", "http://host").pathname;
      if (!SYNC_PATH.test(pathname)) {
        socket.destroy();
        return;
      }
      void ready.then(() => {
        if (setupError) return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => {
          const ua = req.headers["user-agent"];
          hub.attach(ws, { ip: req.socket.remoteAddress ?? null, userAgent: typeof ua === "string" ? ua : null });
        });
      });
    });

    markReady();
    log(`  Deployment URL (VITE_CONVEX_URL): ${url}`);
    log(`  HTTP actions  (CONVEX_SITE_URL):  ${siteUrl}`);

    return {
      url,
      siteUrl,
      t,
      persistence: persistInfo,
      cronNames: cronRunner.entries.map((e) => e.identifier),
      runCron: (identifier) => cronRunner.run(identifier),
      async refresh() {
        hub.requestRefresh();
        await hub.idle();
      },
      async close() {
        cronRunner.stop();
        recovery?.stop();
        hub.close();
        await new Promise<void>((r) => wss.close(() => r()));
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        persistence?.close();
      },
    };
  } catch (err) {
    setupError = err instanceof Error ? err : new Error(String(err));
    markReady();
    await new Promise<void>((r) => server.close(() => r()));
    throw setupError;
  }
}
