// Chapter variants end to end: find the doc's source, answer from the cache, count the quota, generate, keep the result.
import {
  isRtlLanguage,
  type ReaderProfile,
  type StudyGuide,
  type VariantKind,
  type VariantSection,
} from "@ai-book/contracts";
import { languageName } from "../rag/language.ts";
import type { ChatModel, ChunkStore, DocumentSource } from "../rag/ports.ts";
import { type GeneratedSection, generateVariant } from "./generate.ts";
import type { StoredVariant, VariantKey, VariantStore } from "./ports.ts";
import {
  PROMPT_VERSION,
  personalizeMessages,
  profileBucket,
  translateMessages,
  variantKey,
} from "./prompts.ts";
import { buildStudyGuide } from "./study-guide.ts";

export interface ChapterDeps {
  store: Pick<ChunkStore, "documentSource" | "documentSources">;
  variants: VariantStore;
  /** Absent: personalization is the study guide and translation is refused (LLM_REQUIRED). */
  chatModel?: ChatModel;
  bookBaseUrl: string;
  /** TRANSLATION_LANGUAGES; the first is the default. */
  languages: readonly string[];
  /** New (uncached) variants per reader per UTC day; 0 = no limit (VARIANT_DAILY_LIMIT). */
  dailyLimit: number;
  /** Sections generated at once. @default 4 */
  concurrency?: number;
  /** The clock (the quota's day). @default () => new Date() */
  now?: () => Date;
  onUsage?: (usage: { promptTokens: number; completionTokens: number }) => void;
  /** A section shown as its source because the model's version broke the structure (or the model failed). */
  onRefused?: (info: { docId: string; anchor: string; outcome: string; problem: string }) => void;
}

export interface VariantRequest {
  kind: "personalize" | "translate";
  /** The doc's route as in source URLs. */
  doc: string;
  language?: string;
  profile: ReaderProfile | null;
  userId: string;
  signal?: AbortSignal;
}

export interface OpenedVariant {
  doc: string;
  kind: VariantKind;
  language?: string;
  cached: boolean;
  /** How many sections `sections()` yields. */
  total: number;
  studyGuide?: StudyGuide;
  /** The sections in document order (generated as they are read, when not cached). */
  sections(): AsyncIterable<VariantSection>;
  /** Keeps a newly made variant once every section was read; call after the last one went out. */
  save(): Promise<void>;
}

export class ChapterNotFoundError extends Error {
  override name = "ChapterNotFoundError";
}
export class LanguageNotSupportedError extends Error {
  override name = "LanguageNotSupportedError";
}
export class LlmRequiredError extends Error {
  override name = "LlmRequiredError";
}
export class QuotaExceededError extends Error {
  override name = "QuotaExceededError";
  constructor(
    message: string,
    /** Seconds until the reader's quota renews (the next UTC midnight). */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** The model could not be reached for a section, even after a retry: no variant is made (nor kept). */
export class VariantGenerationFailedError extends Error {
  override name = "VariantGenerationFailedError";
}
/** The index (where the doc's source lives) cannot be read. */
export class SourceUnavailableError extends Error {
  override name = "SourceUnavailableError";
}

/** "/docs/a/b/#x?y" → "/docs/a/b": how routes are compared. */
export function normalizeRoute(doc: string): string {
  const path = doc.replace(/[?#].*$/, "");
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

function secondsToMidnight(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

/** What the book shows about the two buttons (GET /v1/chapters/capabilities). */
export function capabilities(deps: Pick<ChapterDeps, "chatModel" | "languages" | "dailyLimit">) {
  return {
    personalize: {
      available: true as const,
      kind: deps.chatModel ? ("personalized" as const) : ("study-guide" as const),
    },
    translate: {
      available: deps.chatModel !== undefined,
      languages: deps.languages.map((code) => ({ code, name: languageName(code), rtl: isRtlLanguage(code) })),
      defaultLanguage: deps.languages[0] ?? "",
      ...(deps.chatModel ? {} : { code: "LLM_REQUIRED", reason: llmRequiredMessage() }),
    },
    dailyLimit: deps.dailyLimit,
  };
}

export function llmRequiredMessage(): string {
  return (
    "Machine translation needs a language model: set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible " +
    "server, LLM_MODEL for the model) on the api-service. Never a fake translation."
  );
}

async function findSource(deps: ChapterDeps, doc: string): Promise<DocumentSource> {
  const route = normalizeRoute(doc);
  if (!deps.store.documentSource) throw new ChapterNotFoundError("This index keeps no document sources.");
  let source: DocumentSource | null;
  try {
    source = (await deps.store.documentSource(route)) ?? (await deps.store.documentSource(`${route}/`));
  } catch (err) {
    throw new SourceUnavailableError("The index cannot be read.", { cause: err });
  }
  if (!source) {
    throw new ChapterNotFoundError(
      `No indexed doc has the route ${route} (or it was indexed before sources were kept: run the ingest again).`,
    );
  }
  return source;
}

function fromList(list: VariantSection[]): () => AsyncIterable<VariantSection> {
  return async function* () {
    yield* list;
  };
}

/**
 * Opens a variant: checks the request, then serves it from the cache, builds the study guide (no model), or
 * prepares its generation (counting the reader's quota). Throws the errors above before anything is streamed.
 */
export async function openVariant(deps: ChapterDeps, req: VariantRequest): Promise<OpenedVariant> {
  let language: string | undefined;
  if (req.kind === "translate") {
    language = req.language ?? deps.languages[0];
    if (!language || !deps.languages.includes(language)) {
      throw new LanguageNotSupportedError(
        `language: "${req.language}" is not offered; one of ${deps.languages.join(", ")}`,
      );
    }
    if (!deps.chatModel) throw new LlmRequiredError(llmRequiredMessage());
  }
  const doc = normalizeRoute(req.doc);
  const source = await findSource(deps, doc);

  if (!deps.chatModel) {
    let book: DocumentSource[];
    try {
      book = (await deps.store.documentSources?.()) ?? [source];
    } catch (err) {
      throw new SourceUnavailableError("The index cannot be read.", { cause: err });
    }
    const { guide, sections } = buildStudyGuide(source, book, req.profile, deps.bookBaseUrl);
    return {
      doc,
      kind: "study-guide",
      cached: false,
      total: sections.length,
      studyGuide: guide,
      sections: fromList(sections),
      save: async () => undefined,
    };
  }

  const chatModel = deps.chatModel;
  const kind: StoredVariant["kind"] = req.kind === "translate" ? "translation" : "personalized";
  const bucket = profileBucket(req.profile);
  const key: VariantKey = {
    docId: source.docId,
    contentHash: source.contentHash,
    audience: language ? variantKey("translation", language) : variantKey("personalized", bucket),
    model: chatModel.model,
    promptVersion: PROMPT_VERSION,
  };
  const hit = await deps.variants.get(key);
  if (hit) {
    return {
      doc,
      kind,
      ...(language ? { language } : {}),
      cached: true,
      total: hit.sections.length,
      sections: fromList(hit.sections),
      save: async () => undefined,
    };
  }
  // A re-ingested doc: what was made from its old version is never served again.
  await deps.variants.dropStale(source.docId, source.contentHash);
  const now = (deps.now ?? (() => new Date()))();
  const day = utcDay(now);
  const counted = deps.dailyLimit > 0;
  if (counted) {
    if (!(await deps.variants.takeQuota(req.userId, day, deps.dailyLimit))) {
      throw new QuotaExceededError(
        `You have had ${deps.dailyLimit} new personalized or translated chapters today (VARIANT_DAILY_LIMIT); ` +
          "chapters someone with your profile or language already opened still open.",
        secondsToMidnight(now),
      );
    }
  }

  const made: VariantSection[] = [];
  let complete = false;
  const title = { title: source.title };
  const generated = generateVariant(source, {
    chatModel,
    translateHeading: kind === "translation",
    messages: (text, section) =>
      language
        ? translateMessages(text, { ...title, heading: section.heading }, language)
        : personalizeMessages(text, { ...title, heading: section.heading }, bucket),
    concurrency: deps.concurrency,
    signal: req.signal,
    onUsage: deps.onUsage,
  });
  return {
    doc,
    kind,
    ...(language ? { language } : {}),
    cached: false,
    total: source.sections.length,
    async *sections() {
      for await (const g of generated as AsyncIterable<GeneratedSection>) {
        if (g.outcome === "model-error") {
          // The reader gets no variant: the day's count is given back (a failure to give it back is not theirs).
          if (counted) await deps.variants.returnQuota(req.userId, day).catch(() => undefined);
          throw new VariantGenerationFailedError(`section "${g.section.anchor}": ${g.problem ?? ""}`);
        }
        if (g.outcome === "invariant") {
          deps.onRefused?.({
            docId: source.docId,
            anchor: g.section.anchor,
            outcome: g.outcome,
            problem: g.problem ?? "",
          });
        }
        made.push(g.section);
        yield g.section;
      }
      complete = true;
    },
    async save() {
      if (complete) await deps.variants.put(key, { kind, language: language ?? null, sections: made });
    },
  };
}
