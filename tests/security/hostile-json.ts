// fast-check arbitraries for hostile request bodies: wrong types, huge strings, deep nesting, odd unicode, NUL bytes, prototype keys.
import fc from "fast-check";

/** Strings that have broken parsers, databases, templates and loggers before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0000".repeat(64),
  '\'; DROP TABLE "user"; --',
  "Robert'); DROP TABLE students;--",
  "' OR '1'='1",
  "1; SELECT pg_sleep(10); --",
  "\\",
  "\\\\'",
  '"',
  "%s%s%s%n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  "${process.exit(1)}",
  "{{constructor.constructor('return process')()}}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "\ud800",
  "\udfff\ud800",
  "\u202eevil",
  "\ufeff",
  "\u200b\u200c\u200d",
  "Z̷̡̛̖͓̝a̸̧͕͇l̷͚̈́g̵̛̱o̷̞̍",
  "𝕳𝖊𝖑𝖑𝖔 🤖🦾",
  "\r\nSet-Cookie: a=b",
  '\n{"level":60,"msg":"forged log line"}',
  "__proto__",
  "constructor",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "true",
  "null",
  "[object Object]",
];

/** Object keys aimed at prototype pollution and naive merges. */
export const NASTY_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "",
  "$where",
  "$ne",
];

/** A JSON text (not a JS value: we write it ourselves so `__proto__` keys and duplicate keys survive). */
export type JsonText = string;

const q = (s: string) => JSON.stringify(s);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => s.padEnd(70_000, "Ω")) },
  { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((n) => "a".repeat(n)) },
);

const leaf: fc.Arbitrary<JsonText> = fc.oneof(
  hostileString.map(q),
  fc.constantFrom(
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1e308",
    "-1e308",
    "1.5",
    "9007199254740993",
    "-1",
    "[]",
    "{}",
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);

const key: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 12 }));

/** Any JSON value as text, nested a few levels, with hostile leaves and keys. */
export const hostileJson: fc.Arbitrary<JsonText> = fc.letrec<{ value: JsonText }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 5 }).map((xs) => `[${xs.join(",")}]`),
    fc
      .array(fc.tuple(key, tie("value")), { maxLength: 5 })
      .map((entries) => `{${entries.map(([k, v]) => `${q(k)}:${v}`).join(",")}}`),
  ),
})).value;

/** Arrays or objects nested 100..5000 deep (a recursive parser or validator blows its stack on these). */
export const deepNesting: fc.Arbitrary<JsonText> = fc
  .tuple(fc.integer({ min: 100, max: 5000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? "[".repeat(depth) + "]".repeat(depth) : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

/** Bodies that are not valid JSON at all. */
export const brokenJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "{",
    "}",
    '{"a":}',
    "[1,]",
    "{'a':1}",
    "undefined",
    "NaN",
    "\u0000",
    '{"a":1}{"b":2}',
    "\ufeff{}",
    '{"a":"\\ud800\\u"}',
  ),
  fc.string({ unit: "binary", maxLength: 64 }),
);

/** One field of a JSON object, given as text. */
export type Fields = Record<string, JsonText>;

const objectText = (fields: Array<[string, JsonText]>) =>
  `{${fields.map(([k, v]) => `${q(k)}:${v}`).join(",")}}`;

/**
 * Bodies close to a valid one, which is where validators have bugs: each field replaced by a hostile value,
 * dropped, or duplicated; unknown and prototype keys added. `valid` is a known-good body as field → JSON text.
 */
export function nearValid(valid: Fields): fc.Arbitrary<JsonText> {
  const names = Object.keys(valid);
  return fc
    .record({
      replace: fc.subarray(names),
      drop: fc.subarray(names, { maxLength: 1 }),
      extra: fc.array(fc.tuple(key, hostileJson), { maxLength: 2 }),
      values: fc.array(fc.oneof(hostileJson, deepNesting, leaf), {
        minLength: names.length,
        maxLength: names.length,
      }),
    })
    .map(({ replace, drop, extra, values }) => {
      const fields: Array<[string, JsonText]> = [];
      names.forEach((n, i) => {
        if (drop.includes(n)) return;
        fields.push([n, replace.includes(n) ? (values[i] ?? "null") : (valid[n] ?? "null")]);
      });
      return objectText([...fields, ...extra]);
    });
}

/** The full mix for one endpoint: mostly near-valid bodies, plus any JSON, deep nesting and broken JSON. */
export function hostileBody(valid: Fields): fc.Arbitrary<JsonText> {
  return fc.oneof(
    { weight: 6, arbitrary: nearValid(valid) },
    { weight: 2, arbitrary: hostileJson },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: brokenJson },
  );
}

/** JSON text of a JS value (for building the `valid` field map). */
export const j = (v: unknown): JsonText => JSON.stringify(v);
