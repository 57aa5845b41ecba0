// The body generators really produce what the fuzz suites promise: prototype keys, NUL bytes, deep nesting, broken JSON.
import fc from "fast-check";
import { expect, it } from "vitest";
import { hostileBody, j } from "./hostile-json.ts";

it("hostileBody covers every hostile family within a few hundred samples", () => {
  const samples = fc.sample(hostileBody({ message: j("hello"), limit: j(5) }), { numRuns: 600, seed: 42 });
  const has = (pred: (s: string) => boolean) => samples.filter(pred).length;
  const parses = (s: string) => {
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  };
  const figures = {
    protoKeys: has((s) => s.includes('"__proto__":')),
    nulBytes: has((s) => s.includes("\\u0000")),
    deep: has((s) => s.startsWith("[[[[[[[[[[") || s.startsWith('{"a":{"a":{"a":')),
    huge: has((s) => s.length > 60_000),
    broken: has((s) => !parses(s)),
    nearValid: has((s) => s.includes('"message":"hello"')),
  };
  console.log(`[security] hostile body families in 600 samples: ${JSON.stringify(figures)}`);
  for (const [family, count] of Object.entries(figures)) expect(count, family).toBeGreaterThan(5);
});
