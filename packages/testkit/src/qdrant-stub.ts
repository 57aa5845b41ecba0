// A local server speaking Qdrant's REST protocol (the operations our store uses), points in memory, every request checked against Qdrant's own OpenAPI description.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiDescription, loadQdrantApi } from "./qdrant-api.ts";

/** One request as the stub saw it, with what the API description said about it. */
export interface QdrantRecordedRequest {
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The operationId of the matched operation (e.g. `query_points`), or null when no operation matches. */
  operation: string | null;
  body: unknown;
  status: number;
  /** Why the request broke the API description (empty when it conforms). */
  violations: string[];
}

export interface QdrantStubOptions {
  /** Where Qdrant's OpenAPI description lives. @default ../shared/qdrant/openapi-v1.18.json beside the repo */
  openapiPath?: string;
  /**
   * Refuse filters on payload keys without an index, as Qdrant's strict mode does (`unindexed_filtering_retrieve`
   * / `unindexed_filtering_update` false: the default of managed clusters). @default true
   */
  strictMode?: boolean;
}

export interface QdrantStub {
  url: string;
  /** Every request so far, in arrival order. */
  requests: QdrantRecordedRequest[];
  /** Requests that broke the API description or used an operation the stub does not implement. */
  violations(): QdrantRecordedRequest[];
  /** Answer the next requests matching `operation` (an operationId) with this HTTP status instead of serving them. */
  failNext(operation: string, status: number, times?: number): void;
  /** Hold requests of `operation` until the returned release is called (to observe what readers see meanwhile). */
  hold(operation: string): { release: () => void; waiting: () => number };
  /** Physical collection names and the aliases pointing at them. */
  collections(): { name: string; points: number; aliases: string[] }[];
  close(): Promise<void>;
}

type PointId = string | number;
type SparseVector = { indices: number[]; values: number[] };
interface StoredPoint {
  id: PointId;
  dense: Map<string, number[]>;
  sparse: Map<string, SparseVector>;
  payload: Record<string, unknown>;
  version: number;
}
interface Collection {
  name: string;
  vectors: Record<string, { size: number; distance: string }>;
  sparse: Record<string, { modifier?: string }>;
  indexes: Map<string, unknown>;
  points: Map<string, StoredPoint>;
}

/** An error Qdrant would answer with: its status and its `{ status: { error } }` body. */
class QdrantError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Qdrant's default RRF constant (segment/src/common/reciprocal_rank_fusion.rs: DEFAULT_RRF_K). */
const DEFAULT_RRF_K = 2;

export async function startQdrantStub(opts: QdrantStubOptions = {}): Promise<QdrantStub> {
  const api = await loadQdrantApi(opts.openapiPath);
  const strict = opts.strictMode ?? true;
  const collections = new Map<string, Collection>();
  const aliases = new Map<string, string>();
  const requests: QdrantRecordedRequest[] = [];
  const failures = new Map<string, { status: number; times: number }>();
  const holds = new Map<string, { promise: Promise<void>; waiting: number }>();
  let version = 0;

  const resolve = (name: string): Collection => {
    const c = collections.get(aliases.get(name) ?? name);
    if (!c) throw new QdrantError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, { status: { error: String(err) }, time: 0 });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://stub");
    const method = (req.method ?? "GET").toLowerCase();
    const rec: QdrantRecordedRequest = {
      seq: requests.length,
      method: method.toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operation: null,
      body: undefined,
      status: 0,
      violations: [],
    };
    requests.push(rec);
    const send = (status: number, payload: unknown) => {
      rec.status = status;
      reply(res, status, payload);
    };
    try {
      rec.body = raw ? JSON.parse(raw) : undefined;
    } catch {
      rec.violations.push("the body is not JSON");
      return send(400, { status: { error: "Format error in JSON body" }, time: 0 });
    }
    const match = api.match(method, url.pathname);
    if (!match) {
      rec.violations.push(`${rec.method} ${url.pathname} is not an operation of the Qdrant API`);
      return send(404, { status: { error: "Not found" }, time: 0 });
    }
    rec.operation = match.operationId;
    rec.violations.push(...api.checkRequest(match, rec.query, rec.body));
    if (rec.violations.length > 0) {
      return send(400, { status: { error: `Format error: ${rec.violations.join("; ")}` }, time: 0 });
    }
    const failure = failures.get(match.operationId);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      return send(failure.status, { status: { error: "injected by the test" }, time: 0 });
    }
    const held = holds.get(match.operationId);
    if (held) {
      held.waiting += 1;
      await held.promise;
    }
    let result: unknown;
    try {
      result = serve(match.operationId, match.params, rec.body as Record<string, unknown> | undefined);
    } catch (err) {
      if (!(err instanceof QdrantError)) throw err;
      return send(err.status, { status: { error: err.message }, time: 0 });
    }
    const body = { result, status: "ok", time: 0.0001 };
    // The stub's own answers are held to the description too, so a test never passes on a shape Qdrant never sends.
    const responseProblems = api.checkResponse(match, 200, body);
    if (responseProblems.length > 0) {
      rec.violations.push(...responseProblems.map((p) => `stub response: ${p}`));
      return send(500, {
        status: { error: `stub answered off-description: ${responseProblems.join("; ")}` },
      });
    }
    send(200, body);
  }

  function serve(
    op: string,
    params: Record<string, string>,
    body: Record<string, unknown> | undefined,
  ): unknown {
    const b = body ?? {};
    const name = params.collection_name ?? "";
    switch (op) {
      case "collection_exists":
        return { exists: collections.has(aliases.get(name) ?? name) };
      case "get_collections":
        return { collections: [...collections.keys()].map((n) => ({ name: n })) };
      case "create_collection": {
        if (collections.has(name) || aliases.has(name))
          throw new QdrantError(409, `Wrong input: Collection \`${name}\` already exists!`);
        const vectors = (b.vectors ?? {}) as Record<string, unknown>;
        if ("size" in vectors)
          throw new QdrantError(501, "stub: only named dense vectors are implemented (the store uses them)");
        collections.set(name, {
          name,
          vectors: vectors as Collection["vectors"],
          sparse: (b.sparse_vectors ?? {}) as Collection["sparse"],
          indexes: new Map(),
          points: new Map(),
        });
        return true;
      }
      case "get_collection": {
        const c = resolve(name);
        return {
          status: "green",
          optimizer_status: "ok",
          segments_count: 1,
          points_count: c.points.size,
          indexed_vectors_count: 0,
          config: {
            params: {
              ...(Object.keys(c.vectors).length > 0 ? { vectors: c.vectors } : {}),
              sparse_vectors: c.sparse,
              shard_number: 1,
              replication_factor: 1,
              write_consistency_factor: 1,
              on_disk_payload: true,
            },
            hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0 },
            optimizer_config: {
              deleted_threshold: 0.2,
              vacuum_min_vector_number: 1000,
              default_segment_number: 0,
              indexing_threshold: 10000,
              flush_interval_sec: 5,
            },
            wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
            strict_mode_config: {
              enabled: strict,
              unindexed_filtering_retrieve: !strict,
              unindexed_filtering_update: !strict,
            },
          },
          payload_schema: Object.fromEntries(
            [...c.indexes.keys()].map((k) => [k, { data_type: "keyword", points: c.points.size }]),
          ),
        };
      }
      case "delete_collection": {
        const real = collections.has(name);
        collections.delete(name);
        for (const [a, target] of aliases) if (target === name) aliases.delete(a);
        return real;
      }
      case "update_aliases":
        applyAliasActions(b.actions as Array<Record<string, Record<string, string>>>);
        return true;
      case "get_collection_aliases": {
        resolve(name);
        return {
          aliases: [...aliases]
            .filter(([, t]) => t === name)
            .map(([alias_name, collection_name]) => ({ alias_name, collection_name })),
        };
      }
      case "get_collections_aliases":
        return {
          aliases: [...aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name })),
        };
      case "create_field_index": {
        const c = resolve(name);
        if (b.field_schema !== "keyword")
          throw new QdrantError(501, "stub: only keyword payload indexes are implemented");
        c.indexes.set(b.field_name as string, b.field_schema);
        return { operation_id: ++version, status: "completed" };
      }
      case "upsert_points": {
        const c = resolve(name);
        if (!Array.isArray(b.points)) throw new QdrantError(501, "stub: only the `points` form of upsert");
        const staged = (b.points as Array<Record<string, unknown>>).map((p) => toStored(c, p));
        for (const p of staged) c.points.set(String(p.id), p);
        return { operation_id: ++version, status: "completed" };
      }
      case "delete_points": {
        const c = resolve(name);
        if (Array.isArray(b.points)) {
          for (const id of b.points as PointId[]) c.points.delete(String(id));
        } else {
          const filter = b.filter as Filter;
          checkIndexed(c, filter);
          for (const [k, p] of c.points) if (matches(p, filter)) c.points.delete(k);
        }
        return { operation_id: ++version, status: "completed" };
      }
      case "get_points": {
        const c = resolve(name);
        return (b.ids as PointId[]).flatMap((id) => {
          const p = c.points.get(String(id));
          return p ? [{ id: p.id, payload: selectPayload(p, b.with_payload ?? true) }] : [];
        });
      }
      case "scroll_points": {
        const c = resolve(name);
        const filter = b.filter as Filter | undefined;
        if (filter) checkIndexed(c, filter);
        const all = [...c.points.values()]
          .filter((p) => !filter || matches(p, filter))
          .sort((x, y) => compareIds(x.id, y.id));
        const from =
          b.offset === undefined || b.offset === null ? 0 : all.findIndex((p) => p.id === b.offset);
        const limit = (b.limit as number | undefined) ?? 10;
        const page = all.slice(Math.max(0, from), Math.max(0, from) + limit);
        return {
          points: page.map((p) => ({ id: p.id, payload: selectPayload(p, b.with_payload ?? true) })),
          next_page_offset: all[Math.max(0, from) + limit]?.id ?? null,
        };
      }
      case "count_points": {
        const c = resolve(name);
        const filter = b.filter as Filter | undefined;
        if (filter) checkIndexed(c, filter);
        return { count: [...c.points.values()].filter((p) => !filter || matches(p, filter)).length };
      }
      case "query_points":
        return { points: runQuery(resolve(name), b) };
      case "query_batch_points": {
        const c = resolve(name);
        return (b.searches as Array<Record<string, unknown>>).map((s) => ({ points: runQuery(c, s) }));
      }
      default:
        throw new QdrantError(501, `stub: ${op} is part of the Qdrant API but not implemented by the stub`);
    }
  }

  function applyAliasActions(actions: Array<Record<string, Record<string, string>>>) {
    // All or nothing, as Qdrant applies a ChangeAliasesOperation.
    const next = new Map(aliases);
    for (const action of actions) {
      if (action.create_alias) {
        const { collection_name, alias_name } = action.create_alias as Record<string, string>;
        if (!collections.has(collection_name ?? ""))
          throw new QdrantError(404, `Not found: Collection \`${collection_name}\` doesn't exist!`);
        if (collections.has(alias_name ?? ""))
          throw new QdrantError(409, `Wrong input: Collection \`${alias_name}\` already exists!`);
        next.set(alias_name as string, collection_name as string);
      } else if (action.delete_alias) {
        const alias = action.delete_alias.alias_name as string;
        if (!next.has(alias)) throw new QdrantError(404, `Not found: Alias \`${alias}\` doesn't exist!`);
        next.delete(alias);
      } else if (action.rename_alias) {
        const { old_alias_name, new_alias_name } = action.rename_alias as Record<string, string>;
        const target = next.get(old_alias_name ?? "");
        if (!target) throw new QdrantError(404, `Not found: Alias \`${old_alias_name}\` doesn't exist!`);
        next.delete(old_alias_name as string);
        next.set(new_alias_name as string, target);
      }
    }
    aliases.clear();
    for (const [k, v] of next) aliases.set(k, v);
  }

  function toStored(c: Collection, p: Record<string, unknown>): StoredPoint {
    const dense = new Map<string, number[]>();
    const sparse = new Map<string, SparseVector>();
    const vector = (p.vector ?? {}) as Record<string, unknown>;
    if (Array.isArray(vector)) throw new QdrantError(400, "Wrong input: Not existing vector name error: ");
    for (const [vname, v] of Object.entries(vector)) {
      if (Array.isArray(v)) {
        const spec = c.vectors[vname];
        if (!spec) throw new QdrantError(400, `Wrong input: Not existing vector name error: ${vname}`);
        if (v.length !== spec.size)
          throw new QdrantError(
            400,
            `Wrong input: Vector dimension error: expected dim: ${spec.size}, got ${v.length}`,
          );
        dense.set(vname, v as number[]);
      } else {
        if (!c.sparse[vname])
          throw new QdrantError(400, `Wrong input: Not existing vector name error: ${vname}`);
        sparse.set(vname, v as SparseVector);
      }
    }
    return {
      id: p.id as PointId,
      dense,
      sparse,
      payload: (p.payload ?? {}) as Record<string, unknown>,
      version,
    };
  }

  function checkIndexed(c: Collection, filter: Filter) {
    if (!strict) return;
    for (const key of filterKeys(filter)) {
      if (!c.indexes.has(key))
        throw new QdrantError(
          400,
          `Bad request: Index required but not found for "${key}" of one of the following types: [keyword]. Help: Create an index for this key or use a different filter.`,
        );
    }
  }

  type Scored = { point: StoredPoint; score: number };

  function runQuery(c: Collection, q: Record<string, unknown>): unknown[] {
    const scored = evaluate(c, q);
    const offset = (q.offset as number | undefined) ?? 0;
    const limit = (q.limit as number | undefined) ?? 10;
    return scored.slice(offset, offset + limit).map(({ point, score }) => ({
      id: point.id,
      version: point.version,
      score,
      payload: selectPayload(point, q.with_payload ?? false),
    }));
  }

  /** Ranked candidates of a query or prefetch (before its own offset/limit for the top level). */
  function evaluate(c: Collection, q: Record<string, unknown>): Scored[] {
    const filter = q.filter as Filter | undefined;
    if (filter) checkIndexed(c, filter);
    const prefetches = q.prefetch === undefined || q.prefetch === null ? [] : [q.prefetch].flat();
    const subLists = (prefetches as Array<Record<string, unknown>>).map((p) => {
      const list = evaluate(c, p);
      return list.slice(0, (p.limit as number | undefined) ?? 10);
    });
    const query = q.query as unknown;
    if (
      query &&
      typeof query === "object" &&
      !Array.isArray(query) &&
      ("rrf" in query || "fusion" in query)
    ) {
      if ("fusion" in query && (query as { fusion: string }).fusion !== "rrf")
        throw new QdrantError(501, "stub: only RRF fusion is implemented");
      const k = ("rrf" in query ? (query as { rrf: { k?: number } }).rrf.k : undefined) ?? DEFAULT_RRF_K;
      return rrf(subLists, k);
    }
    const candidates =
      subLists.length > 0
        ? [...new Map(subLists.flat().map((s) => [String(s.point.id), s.point])).values()]
        : [...c.points.values()].filter((p) => !filter || matches(p, filter));
    if (query === undefined || query === null) throw new QdrantError(501, "stub: a query without `query`");
    const using = (q.using as string | undefined) ?? "";
    const vector = query as number[] | SparseVector;
    if (Array.isArray(vector)) {
      const spec = c.vectors[using];
      if (!spec) throw new QdrantError(400, `Wrong input: Not existing vector name error: ${using}`);
      if (vector.length !== spec.size)
        throw new QdrantError(
          400,
          `Wrong input: Vector dimension error: expected dim: ${spec.size}, got ${vector.length}`,
        );
      return candidates
        .flatMap((p) => {
          const v = p.dense.get(using);
          return v ? [{ point: p, score: cosine(vector, v) }] : [];
        })
        .sort(byScore);
    }
    if ("indices" in vector) {
      const spec = c.sparse[using];
      if (!spec) throw new QdrantError(400, `Wrong input: Not existing vector name error: ${using}`);
      const idf = spec.modifier === "idf" ? idfOf(c, using) : () => 1;
      return candidates
        .flatMap((p) => {
          const v = p.sparse.get(using);
          if (!v) return [];
          let score = 0;
          let overlap = false;
          for (const [i, index] of vector.indices.entries()) {
            const at = v.indices.indexOf(index);
            if (at < 0) continue;
            overlap = true;
            score += (vector.values[i] ?? 0) * (v.values[at] ?? 0) * idf(index);
          }
          // Sparse search returns only points sharing at least one dimension with the query.
          return overlap ? [{ point: p, score }] : [];
        })
        .sort(byScore);
    }
    throw new QdrantError(501, `stub: query ${JSON.stringify(query).slice(0, 80)} is not implemented`);
  }

  function idfOf(c: Collection, using: string): (index: number) => number {
    let n = 0;
    const df = new Map<number, number>();
    for (const p of c.points.values()) {
      const v = p.sparse.get(using);
      if (!v) continue;
      n += 1;
      for (const i of new Set(v.indices)) df.set(i, (df.get(i) ?? 0) + 1);
    }
    // Qdrant's IDF modifier (BM25's): ln((N - n + 0.5) / (n + 0.5) + 1).
    return (index) => {
      const d = df.get(index) ?? 0;
      return Math.log((n - d + 0.5) / (d + 0.5) + 1);
    };
  }

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations: () => requests.filter((r) => r.violations.length > 0 || r.status === 501),
    failNext: (operation, status, times = 1) => {
      failures.set(operation, { status, times });
    },
    hold: (operation) => {
      let release!: () => void;
      const promise = new Promise<void>((r) => {
        release = r;
      });
      const entry = { promise, waiting: 0 };
      holds.set(operation, entry);
      return {
        release: () => {
          holds.delete(operation);
          release();
        },
        waiting: () => entry.waiting,
      };
    },
    collections: () =>
      [...collections.values()].map((c) => ({
        name: c.name,
        points: c.points.size,
        aliases: [...aliases].filter(([, t]) => t === c.name).map(([a]) => a),
      })),
    close: () =>
      new Promise<void>((r) => {
        for (const h of holds.values()) void h;
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function reply(res: ServerResponse, status: number, payload: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

const byScore = (a: { score: number }, b: { score: number }) => b.score - a.score;

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Qdrant's reciprocal rank fusion: each list adds 1 / (position + k), position counted from 0. */
function rrf<T extends { point: StoredPoint }>(
  lists: T[][],
  k: number,
): Array<{ point: StoredPoint; score: number }> {
  const fused = new Map<string, { point: StoredPoint; score: number }>();
  for (const list of lists) {
    for (const [position, { point }] of list.entries()) {
      const entry = fused.get(String(point.id)) ?? { point, score: 0 };
      entry.score += 1 / (position + k);
      fused.set(String(point.id), entry);
    }
  }
  return [...fused.values()].sort(byScore);
}

type Condition = { key?: string; match?: { value?: unknown; any?: unknown[] }; has_id?: PointId[] } & Filter;
interface Filter {
  must?: Condition | Condition[] | null;
  should?: Condition | Condition[] | null;
  must_not?: Condition | Condition[] | null;
}

const list = (c: Condition | Condition[] | null | undefined): Condition[] =>
  c === undefined || c === null ? [] : Array.isArray(c) ? c : [c];

function filterKeys(f: Filter): string[] {
  return [...list(f.must), ...list(f.should), ...list(f.must_not)].flatMap((c) =>
    c.key !== undefined ? [c.key] : c.has_id ? [] : filterKeys(c),
  );
}

function conditionHolds(p: StoredPoint, c: Condition): boolean {
  if (c.has_id) return c.has_id.some((id) => String(id) === String(p.id));
  if (c.key === undefined) return matches(p, c);
  if (!c.match) throw new QdrantError(501, `stub: condition on ${c.key} is not implemented (only match)`);
  const value = p.payload[c.key];
  const values = Array.isArray(value) ? value : [value];
  if ("value" in c.match) return values.includes(c.match.value);
  if (Array.isArray(c.match.any)) return values.some((v) => c.match?.any?.includes(v));
  throw new QdrantError(501, `stub: match ${JSON.stringify(c.match)} is not implemented`);
}

function matches(p: StoredPoint, f: Filter): boolean {
  if (!list(f.must).every((c) => conditionHolds(p, c))) return false;
  if (list(f.must_not).some((c) => conditionHolds(p, c))) return false;
  const should = list(f.should);
  return should.length === 0 || should.some((c) => conditionHolds(p, c));
}

function selectPayload(p: StoredPoint, withPayload: unknown): Record<string, unknown> | null {
  if (withPayload === false) return null;
  if (Array.isArray(withPayload))
    return Object.fromEntries(Object.entries(p.payload).filter(([k]) => withPayload.includes(k)));
  return p.payload;
}

function compareIds(a: PointId, b: PointId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export type { ApiDescription };
