// Before anything starts: are the ports free? A clear message beats three services crashing on EADDRINUSE.
import { createServer } from "node:net";

export interface PortClaim {
  port: number;
  host: string;
  /** The variable that moves it, for the message. */
  variable: string;
}

function isFree({ port, host }: PortClaim): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The claims whose port is taken, each as one line naming the variable that moves it. */
export async function portsInUse(claims: PortClaim[]): Promise<string[]> {
  const taken: string[] = [];
  for (const claim of claims) {
    if (!(await isFree(claim))) {
      taken.push(
        `port ${claim.port} on ${claim.host} is already in use (set ${claim.variable} to use another)`,
      );
    }
  }
  return taken;
}
