// HTTP plumbing shared by the sandbox's routes: read a request body as text
// or JSON (an array body is wrapped, a non-object refused) and send a JSON
// answer unless the client has already gone.

import type { IncomingMessage, ServerResponse } from "node:http";

export function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readText(req);
  if (text.trim() === "") return {};
  const parsed: unknown = JSON.parse(text);
  if (Array.isArray(parsed)) return { __array: parsed };
  if (parsed === null || typeof parsed !== "object") throw new Error("not an object");
  return parsed as Record<string, unknown>;
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  // The client may have gone (it timed out during a latency fault): the work is done, the answer goes nowhere.
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}
