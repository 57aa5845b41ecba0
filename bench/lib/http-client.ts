// A minimal keep-alive HTTP client for sequential latency samples (less client overhead than fetch).
import { Agent, request } from "node:http";

export interface SimpleResponse {
  status: number;
  body: string;
}

export function createClient(baseUrl: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(baseUrl);
  const send = (
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<SimpleResponse> =>
    new Promise((resolve, reject) => {
      const req = request({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}
