import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server";

const http = httpRouter();
http.route({
  path: "/echo",
  method: "POST",
  handler: httpAction(async (_ctx, request) => {
    const headers = new Headers({ "content-type": "application/octet-stream", "x-method": request.method });
    headers.append("set-cookie", "a=1; Path=/; HttpOnly");
    headers.append("set-cookie", "b=2; Path=/");
    headers.set("x-seen-header", request.headers.get("x-test") ?? "");
    return new Response(await request.arrayBuffer(), { status: 201, headers });
  }),
});
http.route({
  path: "/stream",
  method: "GET",
  handler: httpAction(async () => {
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc.encode("one,"));
        controller.enqueue(enc.encode("two"));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain" } });
  }),
});
export default http;
