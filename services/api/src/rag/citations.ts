// Citation validation: keeps [n] markers that point to a numbered source and removes the rest, also across stream deltas.

/** A citation marker: [3], or a group such as [1, 2] or [1][3] (each bracket handled on its own). */
const CITATION = /\s?\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/** Removes citations to sources that do not exist (valid: 1..count); a group keeps its valid members. */
export function stripInvalidCitations(text: string, count: number): string {
  return text.replace(CITATION, (whole, list: string) => {
    const valid = list
      .split(",")
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n >= 1 && n <= count);
    if (valid.length === 0) return "";
    const lead = whole.startsWith("[") ? "" : whole.slice(0, whole.indexOf("["));
    return `${lead}[${[...new Set(valid)].join(", ")}]`;
  });
}

/**
 * Longest tail held back while it may still become a citation ("[", "[1", "[1, 2" ...). Trailing whitespace
 * is held too, so the space before a citation that turns out invalid goes with it.
 */
const MAX_PENDING = 16;
const PENDING_TAIL = /\s*(?:\[[\d,\s]*)?$/;

/**
 * The streaming form of stripInvalidCitations: text that could be the start of a citation is held until
 * the marker closes (or clearly is not one), so a reader never sees an invalid [n] flash by.
 */
export class CitationStreamFilter {
  #pending = "";
  readonly #count: number;

  constructor(count: number) {
    this.#count = count;
  }

  /** Feeds one delta; returns the text that is safe to emit now (possibly empty). */
  push(delta: string): string {
    const text = this.#pending + delta;
    const tail = text.match(PENDING_TAIL);
    if (tail && tail[0].length > 0 && tail[0].length <= MAX_PENDING) {
      this.#pending = tail[0];
      return stripInvalidCitations(text.slice(0, text.length - tail[0].length), this.#count);
    }
    this.#pending = "";
    return stripInvalidCitations(text, this.#count);
  }

  /** The held-back tail at the end of the stream. */
  flush(): string {
    const rest = stripInvalidCitations(this.#pending, this.#count);
    this.#pending = "";
    return rest;
  }
}
