// The testkit's OpenAI-protocol stub in a process of its own (so its work never shares the bench's event loop).
// argv[2]: JSON {reply?: string, tokenDelayMs?: number, firstByteDelayMs?: number}. Prints {"url": ...} once listening;
// each stdin line {"tokenDelayMs"?, "firstByteDelayMs"?} changes the delays; exits when stdin closes.
import { createInterface } from "node:readline";
import { startOpenAIStub } from "@ai-book/testkit";

const opts = JSON.parse(process.argv[2] ?? "{}") as {
  reply?: string;
  tokenDelayMs?: number;
  firstByteDelayMs?: number;
};
const stub = await startOpenAIStub({
  tokenDelayMs: opts.tokenDelayMs ?? 0,
  firstByteDelayMs: opts.firstByteDelayMs ?? 0,
  ...(opts.reply !== undefined ? { reply: () => opts.reply as string } : {}),
});
process.stdout.write(`${JSON.stringify({ url: stub.url, baseURL: stub.baseURL })}\n`);
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = JSON.parse(line) as { tokenDelayMs?: number; firstByteDelayMs?: number };
  if (cmd.tokenDelayMs !== undefined) stub.setTokenDelay(cmd.tokenDelayMs);
  if (cmd.firstByteDelayMs !== undefined) stub.setFirstByteDelay(cmd.firstByteDelayMs);
  process.stdout.write("ok\n");
});
rl.on("close", () => {
  void stub.close().then(() => process.exit(0));
});
