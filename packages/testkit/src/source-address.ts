// Make requests from distinct loopback addresses (127.0.0.x) so a test can act as several clients by socket address.
import { Agent } from "undici";

const agents = new Map<string, Agent>();

/**
 * A fetch dispatcher whose sockets bind to `address` (any of 127.0.0.0/8 works on Linux without setup):
 * `fetch(url, { dispatcher: fromAddress("127.0.0.7") })`. The server sees that address as the client's.
 */
export function fromAddress(address: string): Agent {
  let agent = agents.get(address);
  if (!agent) {
    agent = new Agent({ localAddress: address, keepAliveTimeout: 1_000 });
    agents.set(address, agent);
  }
  return agent;
}

/** The n-th distinct client address, 127.0.<1 + n/250>.<2 + n%250>, avoiding 127.0.0.1 itself. */
export function clientAddress(n: number): string {
  return `127.0.${1 + Math.floor(n / 250)}.${2 + (n % 250)}`;
}

/** Closes every agent made by fromAddress (call in afterAll). */
export async function closeAddressAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close()));
}
