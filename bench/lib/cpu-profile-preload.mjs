// Preloaded with --import when BENCH_CPU_PROF_DIR is set: records a V8 CPU profile of the process and writes it at exit
// (node 20 refuses --cpu-prof inside NODE_OPTIONS, --import is allowed).
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  process.on("exit", () => {
    // Same-thread inspector sessions answer synchronously, so this completes inside the exit handler.
    session.post("Profiler.stop", (err, res) => {
      if (err || !res) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `service-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
