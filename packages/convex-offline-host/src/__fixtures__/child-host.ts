// A host in its own process for the persistence tests (they kill -9 it):
//   tsx child-host.ts <dataDir>
// Prints {"url": "..."} on stdout once it listens; logs go to stderr.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { startOfflineHost } from "../host.js";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: child-host.ts <dataDir>");
const host = await startOfflineHost({
  convexDir: resolve(fileURLToPath(new URL(".", import.meta.url)), "convex"),
  port: 0,
  dataDir,
  crons: false,
  pollIntervalMs: 100,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ url: host.url, timing: host.persistence.timing })}\n`);
process.on("SIGTERM", () => void host.close().then(() => process.exit(0)));
