// Sections → chunks: one section per chunk, split by blocks near a token budget, tiny sections merged.
import { createHash } from "node:crypto";
import { countTokens as countTokensUncached } from "gpt-tokenizer";
import type { Chunk } from "../rag/ports.ts";
import type { Block, Section } from "./parse.ts";
import { withAnchor } from "./urls.ts";

export interface ChunkOptions {
  /** A chunk is closed once it would pass this many tokens (prefix included). @default 500 */
  maxTokens?: number;
  /** Aim for chunks about this size when a section must be split. @default 400 */
  targetTokens?: number;
  /** A section smaller than this is merged into a neighbour when the two fit in maxTokens. @default 80 */
  minTokens?: number;
  /** Tokens of the previous piece repeated at the start of the next when a section is split. @default 50 */
  overlapTokens?: number;
}

/**
 * Bumped whenever chunking or parsing changes what is produced, so incremental ingest redoes every document
 * (4: each document's source sections are kept for chapter variants).
 */
export const CHUNKER_VERSION = "4";

/** What is embedded and what the token count covers: title and heading path, then the text. */
export function contextualText(chunk: Pick<Chunk, "title" | "headingPath" | "text">): string {
  const heading = chunk.headingPath.join(" › ");
  return `${chunk.title}${heading ? `\n${heading}` : ""}\n\n${chunk.text}`;
}

/** A chunk id derived from what the chunk is: same document, position and content → same id. */
export function chunkId(docId: string, ordinal: number, text: string): string {
  return createHash("sha256").update(`${docId}\u0000${ordinal}\u0000${text}`).digest("hex").slice(0, 32);
}

interface Piece {
  section: Section;
  /** Sections merged in after the first one keep their heading as a line of text. */
  blocks: Block[];
}

const AS_TEXT = { disallowedSpecial: new Set<string>() };

type CountTokens = (text: string) => number;

/**
 * gpt-tokenizer's `countTokens`, remembering the strings counted for one document (it asks for a piece's size
 * several times; BPE counting was a tenth of ingest time). One per chunkSections call, so nothing outlives it and a
 * plain Map is bounded by the document (itself capped in size): an `LRUCache({ max: 20_000 })` here allocated its
 * 20,000-slot arrays for every document, 13% of an offline ingest's CPU.
 */
function tokenCounter(): CountTokens {
  const memo = new Map<string, number>();
  return (text) => {
    let n = memo.get(text);
    if (n === undefined) {
      // Text such as "<|endoftext|>" in a book is text, not a control token (the default would throw).
      n = countTokensUncached(text, AS_TEXT);
      memo.set(text, n);
    }
    return n;
  };
}

const SEGMENTER = new Intl.Segmenter("en", { granularity: "sentence" });

/** Splits one oversized block into parts under `budget` tokens: code by lines, prose by sentences. */
function splitBlock(block: Block, budget: number, countTokens: CountTokens): Block[] {
  const units =
    block.kind === "code" || block.kind === "table" || block.kind === "list"
      ? block.text.split("\n").map((l) => `${l}\n`)
      : [...SEGMENTER.segment(block.text)].map((s) => s.segment);
  const parts: Block[] = [];
  let buf = "";
  // Summing per-unit counts (rather than re-counting the growing buffer) keeps this linear; BPE merges
  // across a unit boundary change the total by a token at most, well inside the chunker's slack.
  let bufTokens = 0;
  const add = (unit: string, tokens: number) => {
    if (buf && bufTokens + tokens > budget) {
      parts.push({ ...block, text: buf.trimEnd() });
      buf = "";
      bufTokens = 0;
    }
    buf += unit;
    bufTokens += tokens;
  };
  for (const unit of units) {
    const tokens = countTokens(unit);
    if (tokens <= budget) {
      add(unit, tokens);
      continue;
    }
    // A single sentence or line longer than the budget: cut by words.
    for (const w of unit.split(/(\s+)/)) add(w, countTokens(w));
  }
  if (buf.trim()) parts.push({ ...block, text: buf.trimEnd() });
  return parts;
}

function tailForOverlap(text: string, tokens: number, countTokens: CountTokens): string {
  const sentences = [...SEGMENTER.segment(text)].map((s) => s.segment);
  let tail = "";
  let tailTokens = 0;
  for (let i = sentences.length - 1; i >= 0; i--) {
    const sentence = sentences[i] ?? "";
    const t = countTokens(sentence);
    if (tailTokens + t > tokens) break;
    tail = sentence + tail;
    tailTokens += t;
  }
  return tail.trim();
}

/**
 * Chunks a parsed document. Each chunk carries the title and heading path of the section it starts in;
 * a section that does not fit is split between blocks (a block is split only when it alone is too big),
 * with a little overlap; a tiny section joins its neighbour when both fit.
 */
export function chunkSections(
  doc: { docId: string; path: string; title: string; route: string },
  sections: Section[],
  opts: ChunkOptions = {},
): Chunk[] {
  const countTokens = tokenCounter();
  const maxTokens = opts.maxTokens ?? 500;
  const target = Math.min(opts.targetTokens ?? 400, maxTokens);
  const minTokens = opts.minTokens ?? 80;
  const overlap = opts.overlapTokens ?? 50;

  const sizeOf = (section: Section, blocks: Block[]) =>
    countTokens(
      contextualText({
        title: doc.title,
        headingPath: section.headingPath,
        text: blocks.map((b) => b.text).join("\n\n"),
      }),
    );

  // 1. Merge tiny sections into a neighbour (the next one first: an intro line belongs with what follows).
  // An empty section (a heading right before its first sub-heading) needs no chunk: the children's heading
  // paths name it.
  const pieces: Piece[] = sections
    .filter((s) => s.blocks.length > 0)
    .map((s) => ({ section: s, blocks: [...s.blocks] }));
  const headingBlock = (s: Section): Block[] =>
    s.depth > 0 ? [{ kind: "prose", text: s.headingPath.at(-1) ?? "", line: s.blocks[0]?.line ?? 1 }] : [];
  const merged = (a: Piece, b: Piece) => [...a.blocks, ...headingBlock(b.section), ...b.blocks];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (sizeOf(piece.section, piece.blocks) >= minTokens) continue;
    // Forward into a sub-section (an intro belongs with what follows), backward into a sibling or parent.
    const next = pieces[i + 1];
    if (
      next &&
      next.section.depth > piece.section.depth &&
      sizeOf(piece.section, merged(piece, next)) <= maxTokens
    ) {
      next.blocks = merged(piece, next);
      next.section = piece.section;
      pieces.splice(i, 1);
      i--;
      continue;
    }
    const prev = pieces[i - 1];
    if (
      prev &&
      piece.section.depth >= prev.section.depth &&
      sizeOf(prev.section, merged(prev, piece)) <= maxTokens
    ) {
      prev.blocks = merged(prev, piece);
      pieces.splice(i, 1);
      i--;
    }
  }

  // 2. Split pieces that exceed maxTokens, between blocks where possible.
  const chunks: Chunk[] = [];
  const emit = (section: Section, text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    const ordinal = chunks.length;
    const base = { title: doc.title, headingPath: section.headingPath, text: trimmed };
    chunks.push({
      id: chunkId(doc.docId, ordinal, trimmed),
      docId: doc.docId,
      path: doc.path,
      title: doc.title,
      headingPath: section.headingPath,
      route: withAnchor(doc.route, section.anchor),
      text: trimmed,
      ordinal,
      tokens: countTokens(contextualText(base)),
    });
  };
  for (const piece of pieces) {
    if (piece.blocks.length === 0) continue;
    if (sizeOf(piece.section, piece.blocks) <= maxTokens) {
      emit(piece.section, piece.blocks.map((b) => b.text).join("\n\n"));
      continue;
    }
    const prefixTokens = sizeOf(piece.section, []);
    const budget = Math.max(64, target - prefixTokens);
    const blocks = piece.blocks.flatMap((b) =>
      countTokens(b.text) > budget ? splitBlock(b, budget, countTokens) : [b],
    );
    let buf: string[] = [];
    let bufTokens = 0;
    for (const block of blocks) {
      const t = countTokens(block.text);
      if (buf.length > 0 && bufTokens + t > budget) {
        const text = buf.join("\n\n");
        emit(piece.section, text);
        const carry = overlap > 0 && block.kind !== "code" ? tailForOverlap(text, overlap, countTokens) : "";
        buf = carry ? [carry] : [];
        bufTokens = carry ? countTokens(carry) : 0;
      }
      buf.push(block.text);
      bufTokens += t;
    }
    emit(piece.section, buf.join("\n\n"));
  }
  return chunks;
}
