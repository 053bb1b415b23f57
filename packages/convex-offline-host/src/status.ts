// The host's root URL: a small status page (a deployment's root answers
// too; convex-test's router would say "No HttpAction routed for /"). Served
// only when convex/http.ts routes nothing at GET /.
export interface StatusInfo {
  url: string;
  siteUrl: string;
  convexDir: string;
  startedAt: number;
  persistence: {
    dataDir: string | null;
    loaded: { documents: number; records: number; replayMs: number; droppedTail: unknown } | null;
    timing: { appends: number; totalMs: number; maxMs: number };
  };
  crons: string[];
  components: string[];
  /** Documents per component ("app" is the root). */
  documents: Record<string, number>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function statusPage(info: StatusInfo): string {
  const p = info.persistence;
  const avg = p.timing.appends ? (p.timing.totalMs / p.timing.appends).toFixed(2) : "–";
  const rows: Array<[string, string]> = [
    ["Status", "running"],
    ["Deployment URL (VITE_CONVEX_URL)", info.url],
    ["HTTP actions (CONVEX_SITE_URL)", info.siteUrl],
    ["Functions", info.convexDir],
    ["Components", info.components.join(", ") || "none"],
    ["State", p.dataDir ? `persisted in ${p.dataDir}` : "in memory only (lost on stop)"],
    ["Documents", Object.entries(info.documents).map(([k, n]) => `${k}: ${n}`).join(" · ")],
    ...(p.dataDir ? [
      ["Loaded at start", p.loaded ? `${p.loaded.documents} documents, ${p.loaded.records} log records replayed in ${p.loaded.replayMs} ms${p.loaded.droppedTail ? " (a damaged log tail was dropped)" : ""}` : "–"] as [string, string],
      ["Commits logged", `${p.timing.appends} (fsync avg ${avg} ms, max ${p.timing.maxMs.toFixed(2)} ms)`] as [string, string],
    ] : []),
    ["Crons", info.crons.join(", ") || "none"],
    ["Up since", new Date(info.startedAt).toISOString()],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Convex offline development host</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:760px;padding:0 1rem;color:#1f2328}
h1{font-size:1.3rem;margin:0 0 .25rem} .warn{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.5rem .75rem;margin:.75rem 0 1.25rem}
table{border-collapse:collapse;width:100%} th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid #d0d7de}
th{width:36%;font-weight:600;color:#57606a} code{font:13px ui-monospace,monospace}
</style></head><body>
<h1>Convex offline development host</h1>
<div class="warn">DEVELOPMENT ONLY — this repo's <code>convex/</code> on convex-test's engine, speaking Convex's client protocol. Not a deployment.</div>
<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>
<p>Clients connect to <code>${esc(info.url)}</code>; HTTP actions (better-auth, webhooks) are served on the same origin.</p>
</body></html>`;
}
