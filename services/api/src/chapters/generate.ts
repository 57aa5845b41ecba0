// A chapter variant made by a model, one section per request: placeholders in, structure checked, retried, else the source.
import type { VariantSection } from "@ai-book/contracts";
import pLimit from "p-limit";
import type { ChatMessage, ChatModel, DocumentSource, SourceSection } from "../rag/ports.ts";
import {
  originalMarkdown,
  placeholderProblem,
  protect,
  restore,
  type SectionShape,
  structureOf,
  structureProblem,
} from "./markdown.ts";

/** What happened to one section: the variant, or the source because the model broke the structure or failed. */
export type SectionOutcome = "variant" | "unchanged" | "invariant" | "model-error";

export interface GeneratedSection {
  section: VariantSection;
  outcome: SectionOutcome;
  /** Why the variant was refused (the last attempt's reason), for the log. */
  problem?: string;
}

export interface GenerateOptions {
  chatModel: ChatModel;
  /** Builds the messages for one protected section. */
  messages: (text: string, section: SourceSection) => ChatMessage[];
  /** Translation: the heading text is the model's; personalization: it must stay the source's. */
  translateHeading: boolean;
  /** Sections requested at once. @default 4 */
  concurrency?: number;
  signal?: AbortSignal;
  onUsage?: (usage: { promptTokens: number; completionTokens: number }) => void;
}

/** Attempts per section: the first, and one retry when the output breaks an invariant or the request fails. */
const ATTEMPTS = 2;

/** A model sometimes wraps its whole answer in a code fence although told not to. */
function unwrap(output: string, source: string): string {
  const m = /^```[\w-]*\n([\s\S]*?)\n```\s*$/.exec(output.trim());
  return m && !source.trimStart().startsWith("```") ? (m[1] ?? "") : output.trim();
}

/** One section: its variant when a model's answer keeps the structure within ATTEMPTS, else the source. */
export async function generateSection(
  source: SourceSection,
  doc: Pick<DocumentSource, "mdx">,
  opts: GenerateOptions,
): Promise<GeneratedSection> {
  const shape: SectionShape = { anchor: source.anchor, depth: source.depth, mdx: doc.mdx };
  const original: VariantSection = {
    anchor: source.anchor,
    heading: source.heading,
    markdown: originalMarkdown(source.markdown, shape),
  };
  const guarded = protect(source.markdown, shape, { translateHeading: opts.translateHeading });
  if (!guarded.hasProse) return { section: original, outcome: "unchanged" };
  const messages = opts.messages(guarded.text, source);
  // Long enough for a personalization that explains more than the source (and for scripts that take more tokens).
  const maxTokens = Math.min(8000, Math.ceil(guarded.text.length / 2) + 400);
  let problem = "";
  let modelFailed = false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    opts.signal?.throwIfAborted();
    let text: string;
    // A signal of its own per request: the SDK leaves its listener on the signal it is given, and a chapter's
    // requests would otherwise pile them up on the variant's one.
    const request = new AbortController();
    const abort = () => request.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", abort, { once: true });
    try {
      ({ text } = await opts.chatModel.complete(messages, {
        signal: request.signal,
        maxTokens,
        temperature: 0.2,
        onUsage: opts.onUsage,
      }));
      modelFailed = false;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      modelFailed = true;
      problem = `the model request failed: ${(err as Error)?.message ?? err}`;
      continue;
    } finally {
      opts.signal?.removeEventListener("abort", abort);
    }
    const output = unwrap(text, guarded.text);
    const broken = placeholderProblem(output, guarded);
    if (broken) {
      problem = broken;
      continue;
    }
    const markdown = restore(output, guarded);
    const wrong = structureProblem(original.markdown, markdown, shape, {
      sameHeadingText: !opts.translateHeading,
    });
    if (wrong) {
      problem = wrong;
      continue;
    }
    const heading = structureOf(markdown, shape).heading?.text ?? "";
    return { section: { anchor: source.anchor, heading, markdown }, outcome: "variant" };
  }
  return {
    section: { ...original, original: true },
    outcome: modelFailed ? "model-error" : "invariant",
    problem,
  };
}

/**
 * Every section of a document, in order, generated up to `concurrency` at a time (the reader gets the first while
 * the next ones are written).
 */
export async function* generateVariant(
  doc: DocumentSource,
  opts: GenerateOptions,
): AsyncGenerator<GeneratedSection> {
  const limit = pLimit(opts.concurrency ?? 4);
  const ctrl = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, ctrl.signal]) : ctrl.signal;
  const pending = doc.sections.map((s) => limit(() => generateSection(s, doc, { ...opts, signal })));
  // Sections the consumer never waits for (it stopped early) must not become unhandled rejections.
  for (const p of pending) p.catch(() => undefined);
  try {
    for (const p of pending) yield await p;
  } finally {
    ctrl.abort();
    limit.clearQueue();
  }
}
