// Chapter variants of the api-service: POST /v1/chapters/personalize and /v1/chapters/translate, and their SSE events.
import { z } from "zod";

/** Longest doc route accepted in a request body (a Docusaurus route, e.g. "/docs/foundations/what-is-physical-ai"). */
export const DOC_ROUTE_MAX = 512;

/** The default of TRANSLATION_LANGUAGES and of a translate request without `language`. */
export const DEFAULT_TRANSLATION_LANGUAGE = "ur";

/** Languages written right to left (primary subtag): the book renders their variants with dir="rtl". */
export const RTL_LANGUAGES = [
  "ar",
  "arc",
  "dv",
  "fa",
  "ha",
  "he",
  "khw",
  "ks",
  "ku",
  "ps",
  "sd",
  "ur",
  "yi",
] as const;

export function isRtlLanguage(code: string): boolean {
  return (RTL_LANGUAGES as readonly string[]).includes(code.split("-")[0]?.toLowerCase() ?? "");
}

/**
 * The doc's route as in source URLs: a site path starting with "/" (its `#anchor` and `?query`, if any, are ignored,
 * as is a trailing slash).
 */
export const docRouteSchema = z
  .string()
  .trim()
  .min(1)
  .max(DOC_ROUTE_MAX)
  .regex(/^\/[^\s]*$/, 'a site path starting with "/", e.g. /docs/foundations/what-is-physical-ai');

export const personalizeRequestSchema = z.object({ doc: docRouteSchema }).strict();
export type PersonalizeRequest = z.infer<typeof personalizeRequestSchema>;

/** `language` is checked against TRANSLATION_LANGUAGES by the route (400 LANGUAGE_NOT_SUPPORTED naming the allowed ones). */
export const translateRequestSchema = z
  .object({ doc: docRouteSchema, language: z.string().trim().min(1).max(35).optional() })
  .strict();
export type TranslateRequest = z.infer<typeof translateRequestSchema>;

/**
 * What a variant is: the chapter rewritten for the reader's profile, translated, or (without an LLM) a study guide
 * built from the book itself.
 */
export const VARIANT_KINDS = ["personalized", "translation", "study-guide"] as const;
export const variantKindSchema = z.enum(VARIANT_KINDS);
export type VariantKind = z.infer<typeof variantKindSchema>;

/**
 * One section of a variant. For `personalized` and `translation`: the source section with the same `anchor` (its
 * heading id; "" for the lead before the first heading), its `heading` (translated in a translation) and its
 * Markdown from the heading line on; every heading line ends with `{#anchor}`, so the heading ids are the source's.
 * Code blocks, math, tables, admonition types, images, links and components are byte-identical to the source.
 */
export const variantSectionSchema = z.object({
  anchor: z.string(),
  heading: z.string(),
  markdown: z.string(),
  /**
   * True when this is the source section unchanged: the model's version broke an invariant twice (or the model
   * failed), so the original is shown rather than a broken variant. Absent or false: the variant.
   */
  original: z.boolean().optional(),
});
export type VariantSection = z.infer<typeof variantSectionSchema>;

/** One linked item of a study guide: `url` is BOOK_BASE_URL + route + #anchor. */
export const studyGuideLinkSchema = z.object({ title: z.string(), heading: z.string(), url: z.string() });

/** The offline personalization: built from the book itself, every item linked. */
export const studyGuideSchema = z.object({
  /** Sections of earlier chapters that define terms this chapter uses. */
  prerequisites: z.array(studyGuideLinkSchema.extend({ terms: z.array(z.string()) })),
  /** Terms this chapter defines, with the book's own definition. */
  keyTerms: z.array(z.object({ term: z.string(), definition: z.string(), url: z.string() })),
  /** The chapter's own review questions. */
  questions: z.array(z.object({ question: z.string(), url: z.string() })),
});
export type StudyGuide = z.infer<typeof studyGuideSchema>;

/** The whole variant (Accept: application/json). */
export const chapterVariantSchema = z.object({
  /** The doc route, as asked (normalized: no trailing slash, anchor or query). */
  doc: z.string(),
  kind: variantKindSchema,
  /** Translations only. */
  language: z.string().optional(),
  /** True when it came from the variant cache (no LLM call was made). */
  cached: z.boolean(),
  sections: z.array(variantSectionSchema),
  /** `kind: "study-guide"` only: the same content as the sections, structured. */
  studyGuide: studyGuideSchema.optional(),
});
export type ChapterVariant = z.infer<typeof chapterVariantSchema>;

/** SSE events of the chapter routes (Accept: text/event-stream), in order: section*, then done | error. */
export const chapterStreamEventSchemas = {
  /** One section, in document order; `index` from 0 of `total`. */
  section: variantSectionSchema.extend({ index: z.number().int(), total: z.number().int() }),
  done: chapterVariantSchema.omit({ sections: true }).extend({ sections: z.number().int() }),
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }),
} as const;
export type ChapterStreamEventName = keyof typeof chapterStreamEventSchemas;
export type ChapterSectionEvent = z.infer<typeof chapterStreamEventSchemas.section>;
export type ChapterDoneEvent = z.infer<typeof chapterStreamEventSchemas.done>;

/** GET /v1/chapters/capabilities: what the two buttons can do on this server, so the book can disable one up front. */
export const chapterCapabilitiesSchema = z.object({
  personalize: z.object({
    available: z.literal(true),
    /** "personalized" with an LLM; "study-guide" without one. */
    kind: z.enum(["personalized", "study-guide"]),
  }),
  translate: z.object({
    available: z.boolean(),
    /** TRANSLATION_LANGUAGES, the first being the default. */
    languages: z.array(z.object({ code: z.string(), name: z.string(), rtl: z.boolean() })),
    defaultLanguage: z.string(),
    /** When unavailable: LLM_REQUIRED and the reason to show beside the disabled button. */
    code: z.string().optional(),
    reason: z.string().optional(),
  }),
  /** Uncached variants a reader may request per day (VARIANT_DAILY_LIMIT; 0 = no limit). */
  dailyLimit: z.number().int(),
});
export type ChapterCapabilities = z.infer<typeof chapterCapabilitiesSchema>;
