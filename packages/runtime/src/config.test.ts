// Environment parsing: one-line errors, empty means unset, and the shared variables' accepted values and defaults.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, indexPathOf, parseEnv, sharedEnvShape } from "./index.ts";

const shared = z.object(sharedEnvShape);

describe("parseEnv", () => {
  it("names the bad variable in one line and treats empty strings as unset", () => {
    const schema = z.object({
      PORT: z.coerce.number().int().min(1).max(65535).default(3001),
      NAME: z.string().optional(),
    });
    expect(parseEnv(schema, { PORT: "", NAME: "" })).toEqual({ PORT: 3001 });
    expect(() => parseEnv(schema, { PORT: "seventy" })).toThrow(ConfigError);
    expect(() => parseEnv(schema, { PORT: "seventy" })).toThrow(/^Invalid configuration: PORT: /);
  });
});

describe("the variables both services read", () => {
  it("default the same way", () => {
    expect(parseEnv(shared, {})).toEqual({
      NODE_ENV: "development",
      DATA_DIR: ".data",
      CORS_ORIGINS: ["http://localhost:3000"],
      TRUST_PROXY: 0,
      LOG_LEVEL: "info",
    });
  });

  it("TRUST_PROXY takes a hop count from 0 to 10, or true / false", () => {
    const hops = (v: string) => parseEnv(shared, { TRUST_PROXY: v }).TRUST_PROXY;
    expect([hops("true"), hops("false"), hops("0"), hops("2"), hops("10")]).toEqual([1, 0, 0, 2, 10]);
    for (const bad of ["11", "-1", "1.5", "yes"])
      expect(() => hops(bad), bad).toThrow(/^Invalid configuration: TRUST_PROXY: /);
  });

  it("CORS_ORIGINS is a comma-separated list of URLs, trailing slashes dropped", () => {
    const origins = parseEnv(shared, { CORS_ORIGINS: "https://book.example.org/, http://localhost:3000" });
    expect(origins.CORS_ORIGINS).toEqual(["https://book.example.org", "http://localhost:3000"]);
    expect(() => parseEnv(shared, { CORS_ORIGINS: "not a url" })).toThrow(/CORS_ORIGINS/);
    expect(() => parseEnv(shared, { REDIS_URL: "http://x" })).toThrow(/REDIS_URL/);
  });

  it("INDEX_PATH defaults to index.sqlite in DATA_DIR", () => {
    expect(indexPathOf({ DATA_DIR: "/d" })).toBe("/d/index.sqlite");
    expect(indexPathOf({ DATA_DIR: "/d", INDEX_PATH: "/x.sqlite" })).toBe("/x.sqlite");
  });
});
