// A loopback port nobody listens on right now, for servers that cannot bind port 0 and say where they are.
import * as net from "node:net";

/**
 * A TCP port nobody listens on right now. Another process may take it before the caller binds it: prefer
 * binding port 0 and reading the address back wherever the server allows it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
