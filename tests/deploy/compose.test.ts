// The Docker deployment's wiring, checked without a Docker engine: compose services, environment, healthchecks, images.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@ai-book/testkit";
import { build as esbuild } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildServices, dependencyGuard, packageOf } from "../../scripts/build.ts";
import { INGEST_ARGS, SERVICE_START_ARGS, SERVICES } from "../../scripts/lib/services.ts";
import { configSchema as apiSchema } from "../../services/api/src/config.ts";
import { envSchema as authSchema } from "../../services/auth/src/config.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  ports?: string[];
  environment?: Record<string, string | number | boolean | null>;
  networks?: string[];
  healthcheck?: { test: string[] | string; interval?: string };
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  command?: string[];
  volumes?: string[];
  init?: boolean;
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, ComposeService>;
  networks: Record<string, { name?: string } | null>;
  volumes: Record<string, unknown>;
}

const compose = parse(read("docker-compose.yml"), { merge: true }) as Compose;
const svc = (name: string): ComposeService => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined: [{op, args}]. */
function instructions(path: string): Instruction[] {
  const joined = read(path)
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      return { op: (m?.[1] ?? l).toUpperCase(), args: m?.[2] ?? "" };
    });
}

interface Stage {
  name: string | undefined;
  base: string;
  args: Record<string, string>;
  instructions: Instruction[];
}

/** Instructions whose arguments are used at run time, where build arguments are not substituted. */
const RUNTIME_OPS = new Set(["CMD", "ENTRYPOINT", "HEALTHCHECK"]);

/**
 * What `docker build --build-arg …` makes of a Dockerfile, as far as these tests need: every stage with its ARGs
 * substituted (a stage sees the ARGs it declares; one declared before the first FROM only in FROM lines), and the
 * image, which is the last stage's instructions after those of the stages it is built FROM.
 */
function build(path: string, buildArgs: Record<string, string>) {
  const globals: Record<string, string> = {};
  const stages: Stage[] = [];
  const sub = (text: string, vars: Record<string, string>) =>
    text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => vars[(a ?? b)!] ?? "");
  for (const i of instructions(path)) {
    const stage = stages.at(-1);
    if (i.op === "ARG") {
      const [key = "", value] = i.args.split("=");
      if (stage) stage.args[key] = buildArgs[key] ?? globals[key] ?? value ?? "";
      else globals[key] = buildArgs[key] ?? value ?? "";
    } else if (i.op === "FROM") {
      const [base = "", as, name] = sub(i.args, globals).split(/\s+/);
      if (!base) throw new Error(`${path}: base name (${i.args}) should not be blank`);
      stages.push({ name: as?.toUpperCase() === "AS" ? name : undefined, base, args: {}, instructions: [] });
    } else if (stage) {
      stage.instructions.push({ op: i.op, args: RUNTIME_OPS.has(i.op) ? i.args : sub(i.args, stage.args) });
    }
  }
  const chain: Stage[] = [];
  for (let s = stages.at(-1); s; s = stages.find((t) => t.name === s?.base)) chain.unshift(s);
  const image = chain.flatMap((s) => s.instructions);
  const env: Record<string, string> = {};
  for (const i of image.filter((x) => x.op === "ENV"))
    for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return {
    stage: (name: string) => stages.find((t) => t.name === name),
    image,
    /** The image's last instruction of a kind (the one that counts for USER, CMD, WORKDIR…). */
    last: (op: string) => image.filter((i) => i.op === op).at(-1),
    env,
  };
}

/** Exit status of a command; the event loop stays free, so servers in this process can answer it. */
function exitStatus(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: "ignore", timeout: 20_000 });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
}

/** A compose interpolation, `${expr}`, spelled without tripping the template-literal lint. */
const interp = (expr: string) => `$${"{"}${expr}}`;

const AUTH_VARS = Object.keys(authSchema.shape);
const API_VARS = Object.keys(apiSchema.shape);

/** Both images come from one Dockerfile; the build argument SERVICE names the workspace (services/<SERVICE>). */
const DOCKERFILE = "Dockerfile";

describe("docker-compose.yml", () => {
  it("has the architecture's services on ai-book-network", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["api-service", "auth-service", "ingest", "postgres", "qdrant", "redis"].sort(),
    );
    expect(compose.networks["ai-book-network"]?.name).toBe("ai-book-network");
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.networks, name).toEqual(["ai-book-network"]);
    }
  });

  it("publishes auth-service on 3001 and api-service on 8000, and no data store", () => {
    expect(svc("auth-service").ports).toEqual([`${interp("AUTH_SERVER_PUBLISH:-3001")}:3001`]);
    expect(svc("api-service").ports).toEqual([`${interp("API_SERVER_PUBLISH:-8000")}:8000`]);
    expect(svc("auth-service").environment?.AUTH_SERVER_PORT).toBe("3001");
    expect(svc("api-service").environment?.API_SERVER_PORT).toBe("8000");
    for (const store of ["postgres", "qdrant", "redis"]) expect(svc(store).ports, store).toBeUndefined();
  });

  it("restarts long-running services on failure, 3 times", () => {
    for (const name of ["postgres", "qdrant", "redis", "auth-service", "api-service"]) {
      expect(svc(name).restart, name).toBe("on-failure:3");
    }
    expect(svc("ingest").restart).toBe("no");
  });

  it("gives the services longer to stop than they take to drain in-flight requests", () => {
    const drainS = Number(apiSchema.shape.SHUTDOWN_GRACE_MS.parse(undefined)) / 1000;
    for (const name of ["auth-service", "api-service"]) {
      const s = svc(name);
      expect(s.init, name).toBe(true);
      expect(Number.parseInt(s.stop_grace_period ?? "10", 10), name).toBeGreaterThan(drainS);
    }
  });

  it("keeps PostgreSQL and Qdrant data in named volumes", () => {
    expect(svc("postgres").volumes).toContain("postgres-data:/var/lib/postgresql/data");
    expect(svc("qdrant").volumes).toContain("qdrant-data:/qdrant/storage");
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(["postgres-data", "qdrant-data"]));
  });

  it("health-checks every dependency and starts each service only after its dependencies are healthy", () => {
    expect(JSON.stringify(svc("postgres").healthcheck?.test)).toContain("pg_isready");
    expect(svc("redis").healthcheck?.test).toEqual(["CMD", "redis-cli", "ping"]);
    expect(JSON.stringify(svc("qdrant").healthcheck?.test)).toContain("/readyz");
    expect(svc("auth-service").depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    expect(svc("api-service").depends_on).toEqual({
      // Conversations and feedback (API_DATABASE_URL).
      postgres: { condition: "service_healthy" },
      "auth-service": { condition: "service_healthy" },
      qdrant: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    // A service_healthy condition needs a healthcheck: in compose, or the image's HEALTHCHECK.
    for (const [name, s] of Object.entries(compose.services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) {
        const target = svc(dep);
        const imageCheck =
          target.build &&
          build(target.build.dockerfile ?? DOCKERFILE, target.build.args ?? {}).last("HEALTHCHECK") !==
            undefined;
        expect(Boolean(target.healthcheck) || imageCheck, `${name} waits on ${dep}`).toBe(true);
      }
    }
  });

  it("passes every variable of the auth-service's config schema, wired to the other containers", () => {
    const env = svc("auth-service").environment ?? {};
    expect(AUTH_VARS.length).toBeGreaterThan(5);
    expect(AUTH_VARS.filter((v) => !(v in env))).toEqual([]);
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(env.REDIS_URL).toBe("redis://redis:6379");
    expect(env.NODE_ENV).toBe("production");
    expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
    expect(env.BETTER_AUTH_SECRET).toMatch(/^\$\{BETTER_AUTH_SECRET:\?/);
  });

  it("passes every variable of the api-service's config schema to the service and the ingest job", () => {
    for (const name of ["api-service", "ingest"]) {
      const env = svc(name).environment ?? {};
      expect(API_VARS.length).toBeGreaterThan(5);
      expect(
        API_VARS.filter((v) => !(v in env)),
        name,
      ).toEqual([]);
      expect(env.AUTH_SERVICE_URL, name).toBe("http://auth-service:3001");
      expect(env.QDRANT_URL, name).toBe("http://qdrant:6333");
      expect(env.REDIS_URL, name).toBe("redis://redis:6379");
      // The same secret expression as the auth-service's, so tokens verify.
      expect(env.JWT_SECRET, name).toBe(svc("auth-service").environment?.JWT_SECRET);
    }
  });

  it("has a one-off ingest job loading a mounted docs folder into Qdrant with the api-service's image", () => {
    const ingest = svc("ingest");
    expect(ingest.profiles).toEqual(["ingest"]);
    expect(ingest.image).toBe(svc("api-service").image);
    expect(ingest.build).toEqual(svc("api-service").build);
    expect(ingest.command).toEqual([
      "node",
      ...INGEST_ARGS,
      "/docs",
      "--route-base-path",
      interp("ROUTE_BASE_PATH:-/docs"),
      "--base-url",
      interp("SITE_BASE_URL:-/"),
    ]);
    expect(ingest.volumes).toEqual([`${interp("DOCS_DIR:-./book/docs")}:/docs:ro`]);
    expect(ingest.depends_on).toEqual({ qdrant: { condition: "service_healthy" } });
  });
});

describe("the Dockerfile", () => {
  it("refuses to build without SERVICE instead of guessing a service", () => {
    expect(() => build(DOCKERFILE, {})).toThrow(/should not be blank/);
  });
});

describe.each(SERVICES.map((d) => [d.name, d] as const))("the %s image", (name, def) => {
  const service = basename(def.dir);
  const { image, last, env, stage } = build(DOCKERFILE, { SERVICE: service });
  const others = SERVICES.filter((d) => d !== def).map((d) => d.dir);

  it("is the image compose builds", () => {
    expect(svc(name).build).toEqual({ context: ".", args: { SERVICE: service } });
  });

  it("is multi-stage, installs this service's production dependencies only, and runs as a non-root user", () => {
    const install = stage("deps")?.instructions.find((i) => i.op === "RUN" && i.args.includes("npm ci"));
    expect(install?.args).toContain("--omit=dev");
    expect(install?.args).toContain("npm pkg delete devDependencies");
    expect(install?.args).toContain(`-w ${def.dir} `);
    expect(image.some((i) => i.op === "COPY" && i.args.startsWith("--from=deps"))).toBe(true);
    // Nothing of the other service: neither its dependencies nor its code.
    for (const other of others) {
      expect(install?.args).not.toContain(other);
      expect(image.filter((i) => i.op === "COPY" && i.args.includes(other))).toEqual([]);
    }
    expect(last("USER")?.args).toBe("node");
  });

  it("starts the bundle it built with the same command npm start runs, listening on all interfaces", () => {
    expect(JSON.parse(last("CMD")?.args ?? "null")).toEqual(["node", ...SERVICE_START_ARGS]);
    // The bundle comes from the build stage, made by the same script npm start uses.
    const built = stage("build")?.instructions.find(
      (i) => i.op === "RUN" && i.args.includes("scripts/build.ts"),
    );
    expect(built?.args).toContain(`scripts/build.ts ${service}`);
    expect(image).toContainEqual(
      expect.objectContaining({ op: "COPY", args: `--from=build /app/${def.dir}/dist ${def.dir}/dist` }),
    );
    expect(last("WORKDIR")?.args).toBe(`/app/${def.dir}`);
    expect(last("EXPOSE")?.args).toBe(String(def.defaultPort));
    expect(env[def.portVar]).toBe(String(def.defaultPort));
    expect(env[def.hostVar]).toBe("0.0.0.0");
    expect(env.NODE_ENV).toBe("production");
  });

  it("health-checks /health every 30 s with node alone, on the port the service is given", async () => {
    const hc = last("HEALTHCHECK");
    expect(hc?.args).toMatch(/--interval=30s/);
    const argv = JSON.parse(hc?.args.replace(/^.*?CMD\s+/, "") ?? "null") as string[];
    expect(argv[0]).toBe("node");
    expect(argv.join(" ")).toContain("/health");

    let status = 200;
    const server: Server = createServer((req, res) => {
      res.writeHead(req.url === "/health" ? status : 404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const live = (server.address() as AddressInfo).port;
    // The image's environment with the service's port overridden, as `docker run -e` or compose would.
    const check = (p: number) =>
      exitStatus(process.execPath, argv.slice(1), { ...process.env, ...env, [def.portVar]: String(p) });
    try {
      expect(await check(live)).toBe(0);
      status = 503;
      expect(await check(live)).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await check(await freePort())).toBe(1);
  });
});

describe("the Qdrant healthcheck command", () => {
  let server: Server;
  let port: number;
  let ready = true;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === "/readyz" && ready ? 200 : 503).end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("passes on a 200 from /readyz and fails otherwise (run with sh, as CMD-SHELL does)", async () => {
    const test = svc("qdrant").healthcheck?.test;
    expect(Array.isArray(test) && test[0] === "CMD-SHELL").toBe(true);
    const script = String((test as string[])[1]);
    const run = (p: number) => exitStatus("sh", ["-c", script.replace("6333", String(p))]);
    expect(await run(port)).toBe(0);
    ready = false;
    expect(await run(port)).not.toBe(0);
  });
});

describe(".env.example", () => {
  const example = read(".env.example");
  it("documents every variable both services read, and the ones npm start and compose add", () => {
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const composeVars = [...read("docker-compose.yml").matchAll(/\$\{([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]);
    const missing = [...new Set([...AUTH_VARS, ...API_VARS, "BOOK_PORT", ...composeVars])].filter(
      (v) => !documented.has(v),
    );
    expect(missing).toEqual([]);
  });

  it("sets nothing by itself, so copying it to .env changes no default", () => {
    const active = example.split("\n").filter((l) => l.trim() && !l.trimStart().startsWith("#"));
    expect(active).toEqual([]);
  });
});

describe("runtime dependencies of the images", () => {
  // The images install production dependencies only and run the bundle: every package it imports must be one.
  const depsOf = (dir: string) =>
    Object.keys(
      (JSON.parse(read(`${dir}/package.json`)) as { dependencies?: Record<string, string> }).dependencies ??
        {},
    );

  it("refuses to bundle a package that is not a production dependency instead of inlining it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "guard-"));
    try {
      const entry = join(dir, "entry.ts");
      writeFileSync(
        entry,
        'import { z } from "zod";\nimport { describe } from "vitest";\nconsole.log(z, describe);\n',
      );
      const attempt = esbuild({
        entryPoints: [entry],
        bundle: true,
        write: false,
        platform: "node",
        format: "esm",
        logLevel: "silent",
        absWorkingDir: ROOT,
        plugins: [dependencyGuard(new Set(["zod"]), "services/example")],
      });
      await expect(attempt).rejects.toThrow(
        /vitest is imported by .* not a production dependency of services\/example/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [service, bundles] of [
    ["auth", ["main.mjs", "admin.mjs"]],
    ["api", ["main.mjs", "ingest.mjs"]],
  ] as const) {
    it(`services/${service}: the bundle imports only its production dependencies, and tsx is not one`, async () => {
      await buildServices([service]);
      const allowed = new Set([
        ...depsOf(`services/${service}`),
        ...depsOf("packages/http"),
        ...depsOf("packages/runtime"),
        ...depsOf("packages/contracts"),
      ]);
      expect(allowed.has("tsx")).toBe(false);
      for (const bundle of bundles) {
        const code = read(`services/${service}/dist/${bundle}`);
        const specs = [
          ...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"'./][^"']*)["']/g),
        ].map((m) => m[1] as string);
        const packages = [...new Set(specs.filter((x) => !x.startsWith("node:")).map(packageOf))];
        expect(packages.length).toBeGreaterThan(3);
        expect(
          packages.filter((x) => !allowed.has(x)),
          bundle,
        ).toEqual([]);
        // Workspace packages are inlined, not imported (the image needs none of their sources).
        expect(
          packages.filter((x) => x.startsWith("@ai-book/")),
          bundle,
        ).toEqual([]);
      }
    });
  }
});
