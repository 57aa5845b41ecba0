// Requests made through fromAddress() reach the server from that loopback address.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { clientAddress, closeAddressAgents, fromAddress } from "./source-address.ts";

afterAll(closeAddressAgents);

it("binds the client socket to the chosen 127.x address", async () => {
  const server = createServer((req, res) => res.end(req.socket.remoteAddress));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const seen = await Promise.all(
      [0, 1, 300].map(async (n) =>
        (await fetch(url, { dispatcher: fromAddress(clientAddress(n)) } as RequestInit)).text(),
      ),
    );
    expect(seen).toEqual(["127.0.1.2", "127.0.1.3", "127.0.2.52"]);
  } finally {
    server.close();
  }
});
