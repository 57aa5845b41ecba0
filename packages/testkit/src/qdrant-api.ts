// Qdrant's own OpenAPI 3 description, read at test time, turned into request/response checks (ajv).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";

/** Where the description is kept on these machines (outside the repository: it is Qdrant's, not ours). */
export const QDRANT_OPENAPI_PATH = resolve(
  import.meta.dirname,
  "../../../../shared/qdrant/openapi-v1.18.json",
);

export function qdrantApiAvailable(path = QDRANT_OPENAPI_PATH): boolean {
  return existsSync(path);
}

export interface OperationMatch {
  operationId: string;
  params: Record<string, string>;
  operation: Operation;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export interface ApiDescription {
  match(method: string, path: string): OperationMatch | null;
  /** Problems with a request's query parameters and body; empty when it conforms. */
  checkRequest(match: OperationMatch, query: Record<string, string>, body: unknown): string[];
  checkResponse(match: OperationMatch, status: number, body: unknown): string[];
}

/**
 * OpenAPI 3.0's `nullable` is not JSON Schema: Qdrant writes "or null" as `anyOf: [X, { nullable: true }]`,
 * which ajv refuses without a `type`. Rewrites those to `{ type: "null" }`, and points `#/…` references at the
 * registered document.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `qdrant${v}` : toJsonSchema(v);
  }
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    const rest = Object.keys(out).filter((k) => k !== "description" && k !== "default" && k !== "example");
    if (rest.length === 0) return { ...out, type: "null" };
    return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

const loaded = new Map<string, Promise<ApiDescription>>();

/** The description at `path`, parsed and compiled once per process (compiling takes about a second). */
export function loadQdrantApi(path = QDRANT_OPENAPI_PATH): Promise<ApiDescription> {
  let api = loaded.get(path);
  if (!api) {
    api = compileApi(path);
    loaded.set(path, api);
  }
  return api;
}

async function compileApi(path: string): Promise<ApiDescription> {
  if (!existsSync(path)) {
    throw new Error(
      `Qdrant's API description is not at ${path}: the Qdrant protocol tests need ../shared/qdrant/openapi-v1.18.json beside the repository`,
    );
  }
  const spec = JSON.parse(await readFile(path, "utf8")) as {
    paths: Record<string, Record<string, Operation>>;
    components: unknown;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Qdrant's numeric formats: the unsigned ones are the only ones with a rule a request can break.
  for (const f of ["uint", "uint8", "uint32", "uint64"])
    ajv.addFormat(f, { type: "number", validate: (n: number) => Number.isInteger(n) && n >= 0 });
  for (const f of ["float", "double", "int64"]) ajv.addFormat(f, { type: "number", validate: () => true });
  ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  for (const f of ["binary", "date-time", "partial-date-time", "uri"]) ajv.addFormat(f, true);
  ajv.addSchema({ $id: "qdrant", components: toJsonSchema(spec.components) });

  const routes = Object.entries(spec.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const names: string[] = [];
      const pattern = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        names.push(name);
        return "([^/]+)";
      });
      return { method, template, regex: new RegExp(`^${pattern}$`), names, operation };
    }),
  );
  // Literal segments win over parameters (`/collections/aliases` is not a collection named "aliases").
  routes.sort((a, b) => a.names.length - b.names.length);

  const compiled = new Map<string, ValidateFunction>();
  const validator = (key: string, schema: unknown): ValidateFunction => {
    let v = compiled.get(key);
    if (!v) {
      v = ajv.compile(toJsonSchema(schema) as object);
      compiled.set(key, v);
    }
    return v;
  };
  const describe = (v: ValidateFunction) =>
    (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);

  return {
    match(method, path) {
      for (const r of routes) {
        if (r.method !== method) continue;
        const m = r.regex.exec(path);
        if (!m) continue;
        const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")]));
        return { operationId: r.operation.operationId, params, operation: r.operation };
      }
      return null;
    },
    checkRequest({ operation }, query, body) {
      const problems: string[] = [];
      const declared = new Map(
        (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => [p.name, p]),
      );
      for (const [name, raw] of Object.entries(query)) {
        const p = declared.get(name);
        if (!p) {
          problems.push(`query parameter "${name}" is not declared for ${operation.operationId}`);
          continue;
        }
        const type = (p.schema as { type?: string } | undefined)?.type;
        const value =
          type === "boolean"
            ? raw === "true"
              ? true
              : raw === "false"
                ? false
                : raw
            : type === "integer" && /^-?\d+$/.test(raw)
              ? Number(raw)
              : raw;
        const v = validator(`${operation.operationId}?${name}`, p.schema ?? {});
        if (!v(value)) problems.push(...describe(v).map((d) => `query ${name}: ${d}`));
      }
      const schema = operation.requestBody?.content?.["application/json"]?.schema;
      if (schema) {
        if (body === undefined) {
          if (operation.requestBody?.required !== false) problems.push("the request body is missing");
        } else {
          const v = validator(`${operation.operationId}:body`, schema);
          if (!v(body)) problems.push(...describe(v).map((d) => `body ${d}`));
        }
      } else if (body !== undefined) {
        problems.push(`${operation.operationId} takes no request body`);
      }
      return problems;
    },
    checkResponse({ operation }, status, body) {
      const schema = operation.responses?.[String(status)]?.content?.["application/json"]?.schema;
      if (!schema) return [`no ${status} response is described for ${operation.operationId}`];
      const v = validator(`${operation.operationId}:${status}`, schema);
      return v(body) ? [] : describe(v);
    },
  };
}
