// The prompts of chapter variants: a section rewritten for a reader's profile, or translated; and what keys the cache.
import { createHash } from "node:crypto";
import type { ReaderProfile } from "@ai-book/contracts";
import { languageName } from "../rag/language.ts";
import type { ChatMessage } from "../rag/ports.ts";

/** Bumped whenever a prompt below changes what a model writes, so cached variants are made again. */
export const PROMPT_VERSION = "1";

const PLACEHOLDER_RULES = [
  "The section contains placeholders written ⟦n⟧ (a number between white square brackets). Each stands for " +
    "something that must not change: a heading, code, math, a table, a link, an image, an admonition marker or a " +
    "component. Keep every placeholder exactly as written, each exactly once. A placeholder alone on its line stays " +
    "alone on its line, in the same order. Never write code blocks, links, images, tables, math or headings of your own.",
  "Keep the Markdown of the prose (emphasis, lists, paragraphs).",
  "Answer with the section only: no preface, no closing remark, no surrounding code fence.",
];

/** The reader's profile, as the cache groups readers: two readers with the same bucket get the same variant. */
export interface ProfileBucket {
  softwareBackground: ReaderProfile["softwareBackground"];
  hardwareBackground: ReaderProfile["hardwareBackground"];
  /** Lower-cased, single-spaced, no control characters. */
  interestArea: string | null;
}

export function profileBucket(profile: ReaderProfile | null): ProfileBucket {
  const interest = profile?.interestArea
    ?.replace(/[\p{Cc}\p{Cf}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
  return {
    softwareBackground: profile?.softwareBackground ?? null,
    hardwareBackground: profile?.hardwareBackground ?? null,
    interestArea: interest || null,
  };
}

/** The cache key part naming the audience: a hash, so no reader's free text is stored in the key. */
export function variantKey(kind: "personalized", bucket: ProfileBucket): string;
export function variantKey(kind: "translation", language: string): string;
export function variantKey(kind: "personalized" | "translation", of: ProfileBucket | string): string {
  const raw = kind === "translation" ? `translation:${of as string}` : `personalized:${JSON.stringify(of)}`;
  return createHash("sha256").update(raw).digest("hex").slice(0, 32);
}

const SOFTWARE: Record<string, string> = {
  Beginner:
    "The reader is new to programming. Where the section assumes software background (what a function, a loop, " +
    "a library, a process or a message is), spell it out in plain words, in an extra sentence or two.",
  Intermediate:
    "The reader programs comfortably. Keep the section's level; untangle only the densest sentences.",
  Advanced:
    "The reader is an experienced software engineer. Shorten explanations of programming basics and keep the " +
    "technical substance.",
};

const HARDWARE: Record<string, string> = {
  Beginner:
    "The reader has little hardware or physics background. Add physical intuition for the section's own quantities " +
    "(what a force, a torque, a rate or a delay feels like in everyday life), without new numbers or facts.",
  Intermediate:
    "The reader knows basic electronics and mechanics. Add physical intuition only where it is missing.",
  Advanced:
    "The reader is at home with hardware and physics. Skip intuitive explanations of physical basics; keep the " +
    "precise statements.",
};

/** The messages that personalize one section (its placeholders already in place) for a profile bucket. */
export function personalizeMessages(
  section: string,
  doc: { title: string; heading: string },
  bucket: ProfileBucket,
): ChatMessage[] {
  const reader = [
    bucket.softwareBackground ? SOFTWARE[bucket.softwareBackground] : null,
    bucket.hardwareBackground ? HARDWARE[bucket.hardwareBackground] : null,
    bucket.interestArea
      ? `The reader is most interested in "${bucket.interestArea}". Where the section itself gives several ` +
        "examples or applications, lead with the one closest to that interest, and say which of the section's ideas " +
        "matter most for it. Do not invent examples."
      : null,
  ].filter((line): line is string => line !== null);
  const system = [
    "You adapt one section of a technical textbook to one reader, so the same content meets them where they are.",
    "Use only what the section says: do not add facts, numbers, names, results, dates, sources or claims that are " +
      "not in it. You may explain the section's own ideas in more steps or fewer, reorder sentences for clarity, and " +
      "use everyday analogies that state no new technical fact. Never contradict the section.",
    ...PLACEHOLDER_RULES,
    reader.length > 0
      ? `About the reader:\n- ${reader.join("\n- ")}`
      : "Nothing is known about the reader: keep the level.",
  ].join("\n\n");
  const where = [doc.title, doc.heading].filter(Boolean).join(" › ");
  return [
    { role: "system", content: system },
    { role: "user", content: `Section of "${where}":\n\n${section}` },
  ];
}

/** The messages that translate one section (its placeholders already in place) into `language`. */
export function translateMessages(
  section: string,
  doc: { title: string; heading: string },
  language: string,
): ChatMessage[] {
  const name = languageName(language);
  const system = [
    `You translate one section of a technical textbook from English into ${name} (${language}), for readers who ` +
      `study the subject in ${name}.`,
    "Translate all prose faithfully and completely: add nothing, leave nothing out.",
    `Keep technical terms recognisable: the first time a technical term appears in the section, write the ${name} ` +
      "term followed by the English term in parentheses; after that, the term alone. Where no established " +
      `${name} term exists, keep the English term.`,
    "Leave untranslated: identifiers, code, commands, file names, package and product names, units, numbers and " +
      "formulas.",
    "A heading line starts with # signs and ends with a placeholder: translate its text, keep the # signs and the " +
      "placeholder.",
    ...PLACEHOLDER_RULES,
  ].join("\n\n");
  const where = [doc.title, doc.heading].filter(Boolean).join(" › ");
  return [
    { role: "system", content: system },
    { role: "user", content: `Section of "${where}":\n\n${section}` },
  ];
}
