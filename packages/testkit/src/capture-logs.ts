// A writable stream that keeps log lines, for asserting what was (not) logged.
import { Writable } from "node:stream";

/** A writable stream that keeps every log line, for asserting what was (not) logged. */
export function captureLogs(): { stream: Writable; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(l);
      cb();
    },
  });
  return { stream, lines, text: () => lines.join("\n") };
}
