// "Personalize this chapter" and "Translate this chapter" at the top of a doc page, and the variant in the chapter's
// place while the reader wants it (the original comes back with one click, the same button, keeping focus).
import { useLocation } from "@docusaurus/router";
import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from "react";
import { isRtl, languageLabel, languageName, orderLanguages, profileSummary } from "../chapters/variant.ts";
import { type ChapterAction, streamChapterVariant, type VariantSection } from "../client/chapters-client.ts";
import { type TutorErrorInfo, toTutorError } from "../client/tutor-error.ts";
import { ChapterVariant, type OriginalShape } from "./ChapterVariant.tsx";
import styles from "./chapters.module.css";
import { useTutor } from "./tutor-context.tsx";
import { useTutorPanel } from "./tutor-panel.tsx";
import { DEFAULT_LANGUAGES, useCapabilities } from "./use-capabilities.ts";

/** The code the api-service answers translate with when it has no language model (503). */
const LLM_REQUIRED = "LLM_REQUIRED";

/**
 * Why translation is off, per api-service, for the rest of the visit: one refusal is enough to show the button
 * disabled on every chapter (a new visit asks again, in case the operator added a model key).
 */
const translateRefusals = new Map<string, string>();

interface Variant {
  action: ChapterAction;
  language?: string | undefined;
  status: "streaming" | "done" | "error";
  sections: VariantSection[];
  /** Sections expected (announced by the service, else counted from the original's headings). */
  total: number;
  kind?: string | undefined;
  cached?: boolean | undefined;
  error?: TutorErrorInfo | undefined;
  /** The reader's profile line when it was asked for. */
  profile: string;
}

/** The original's heading levels, link targets and section count, read from its DOM before it is swapped out. */
function readOriginal(root: HTMLElement | null, ownTitle: boolean): OriginalShape & { sections: number } {
  const levels = new Map<string, number>();
  const links = new Set<string>();
  let sections = 0;
  if (root) {
    const content = root.querySelector(".theme-doc-markdown") ?? root;
    // An h1 with an id is the chapter's own `# Title` (a section of its source); the theme's synthetic one has none.
    for (const heading of content.querySelectorAll<HTMLElement>(
      "h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]",
    )) {
      levels.set(heading.id, Number(heading.tagName.slice(1)));
    }
    for (const a of content.querySelectorAll<HTMLAnchorElement>("a[href]")) {
      if (!a.classList.contains("hash-link")) links.add(a.getAttribute("href") ?? "");
    }
    // The chapter's own `# Title` is a section of its source.
    sections = levels.size + (ownTitle ? 1 : 0);
    // The lead: anything before the first section heading other than the title.
    for (const child of content.children) {
      if (/^H[2-6]$/.test(child.tagName)) break;
      if (child.tagName !== "HEADER" && child.tagName !== "H1" && child.textContent?.trim()) {
        sections++;
        break;
      }
    }
  }
  return { levels, links, ownTitle, sections: Math.max(1, sections) };
}

function VariantNote({ variant }: { variant: Variant }): ReactNode {
  if (variant.kind === "study-guide") {
    return (
      <p className={styles.note} data-testid="chapter-note">
        <strong>Study guide{variant.profile ? ` for: ${variant.profile}` : ""}.</strong> No AI model is set up
        for this book, so the chapter itself is not rewritten: here are the sections to read first, the
        chapter's key terms with the book's definitions, and its review questions, each linked to the book.
      </p>
    );
  }
  if (variant.action === "translate") {
    return (
      <p className={styles.note} data-testid="chapter-note">
        <strong>Machine translation ({languageName(variant.language ?? "ur")})</strong> of this chapter by an
        AI model. Headings, code, formulas and links are the book's; technical terms keep their English name
        in parentheses.
      </p>
    );
  }
  return (
    <p className={styles.note} data-testid="chapter-note">
      <strong>Personalized for: {variant.profile || "a reader without a background set (neutral)"}</strong>.
      Rewritten by an AI model from this chapter alone; headings, code, formulas and links are the book's.
    </p>
  );
}

export function ChapterTools({
  doc,
  title,
  ownTitle,
  children,
}: {
  /** The doc's route (its permalink), as the api-service's source URLs have it. */
  doc: string;
  title: string;
  /** The doc's Markdown starts with its own `# Title` (the theme then adds none). */
  ownTitle: boolean;
  /** The original chapter, as the theme renders it. */
  children: ReactNode;
}): ReactNode {
  const { status, user, urls, getToken } = useTutor();
  const panel = useTutorPanel();
  const location = useLocation();
  const originalRef = useRef<HTMLDivElement>(null);
  const shapeRef = useRef<(OriginalShape & { sections: number }) | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  /** Sections received by the current run (read where a state updater must not act). */
  const receivedRef = useRef(0);
  const [variant, setVariant] = useState<Variant | null>(null);
  const [showing, setShowing] = useState<"original" | "variant">("original");
  const [pending, setPending] = useState<{ action: ChapterAction; language: string } | null>(null);
  const capabilities = useCapabilities();
  const [refusal, setRefusal] = useState<string | undefined>(() => translateRefusals.get(urls.apiUrl));
  const [problem, setProblem] = useState<TutorErrorInfo | null>(null);
  const reasonRef = useRef<HTMLParagraphElement>(null);
  const focusReason = useRef(false);
  const languages = orderLanguages(
    capabilities?.languages.length ? capabilities.languages : DEFAULT_LANGUAGES,
  );
  const [language, setLanguage] = useState<string>(languages[0] ?? "ur");
  const languageId = useId();
  const reasonId = useId();
  const progressId = useId();
  const signedIn = status === "signed-in";
  const translateReason = refusal ?? capabilities?.translateUnavailable;

  // Once the service says what it offers, the picked language is one of its languages.
  useEffect(() => {
    if (!capabilities) return;
    const first = orderLanguages(capabilities.languages)[0];
    if (first) setLanguage((current) => (capabilities.languages.includes(current) ? current : first));
  }, [capabilities]);

  useEffect(() => () => abortRef.current?.abort(), []);

  const run = useCallback(
    async (action: ChapterAction, lang: string) => {
      abortRef.current?.abort();
      const controller = new AbortController();
      abortRef.current = controller;
      setProblem(null);
      // Read while the original is on the page (after the first run it stays known: the doc does not change).
      if (showing === "original" || !shapeRef.current)
        shapeRef.current = readOriginal(originalRef.current, ownTitle);
      const shape = shapeRef.current;
      const base: Variant = {
        action,
        language: action === "translate" ? lang : undefined,
        status: "streaming",
        sections: [],
        total: shape.sections,
        // Known up front when the service said it (a study guide without a model); else from `done`.
        kind: action === "translate" ? "translation" : capabilities?.personalizeKind,
        profile: profileSummary(user),
      };
      receivedRef.current = 0;
      setVariant(base);
      setShowing("variant");
      const attempt = async (force: boolean) => {
        const jwt = await getToken(force);
        if (!jwt) throw Object.assign(new Error("signed out"), { signedOut: true });
        setVariant({ ...base, profile: profileSummary(jwt.user) });
        await streamChapterVariant({
          apiUrl: urls.apiUrl,
          token: jwt.token,
          action,
          doc,
          language: lang,
          signal: controller.signal,
          onSection: (section, progress) => {
            receivedRef.current++;
            setVariant(
              (v) =>
                v && {
                  ...v,
                  sections: [...v.sections, section],
                  total: Math.max(progress.total ?? v.total, v.sections.length + 1),
                },
            );
          },
          onMeta: (meta) =>
            setVariant(
              (v) =>
                v && {
                  ...v,
                  kind: meta.kind,
                  cached: meta.cached,
                },
            ),
        });
      };
      try {
        try {
          await attempt(false);
        } catch (cause) {
          // An expired token: fetch a new one and ask once more.
          if (toTutorError(cause).info.kind !== "unauthorized" || controller.signal.aborted) throw cause;
          receivedRef.current = 0;
          setVariant(base);
          await attempt(true);
        }
        setVariant((v) => v && { ...v, status: "done", total: v.sections.length });
      } catch (cause) {
        if (controller.signal.aborted) return;
        if ((cause as { signedOut?: boolean }).signedOut) {
          setVariant(null);
          setShowing("original");
          setPending({ action, language: lang });
          panel.open("account", { closeOnSignIn: true });
          return;
        }
        const info = toTutorError(cause).info;
        if (info.code === LLM_REQUIRED) {
          translateRefusals.set(urls.apiUrl, info.message);
          setRefusal(info.message);
          // The pressed button is now disabled: the focus goes to why.
          focusReason.current = true;
        }
        if (receivedRef.current > 0) {
          setVariant((v) => v && { ...v, status: "error", error: info });
          return;
        }
        setVariant(null);
        setShowing("original");
        if (info.code !== LLM_REQUIRED) setProblem(info);
      }
    },
    [showing, user, getToken, urls.apiUrl, doc, panel, capabilities, ownTitle],
  );

  const request = (action: ChapterAction) => {
    if (signedIn) {
      void run(action, language);
      return;
    }
    setPending({ action, language });
    if (status !== "loading") panel.open("account", { closeOnSignIn: true });
  };

  // Signed in after being asked to: do what the reader asked for, with the focus back on its button.
  const personalizeRef = useRef<HTMLButtonElement>(null);
  const translateRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (signedIn && pending) {
      setPending(null);
      (pending.action === "translate" ? translateRef : personalizeRef).current?.focus();
      void run(pending.action, pending.language);
    }
  }, [signedIn, pending, run]);

  // A link to a heading the variant does not have (the study guide's, or a same-page link): show the original.
  useEffect(() => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (!id || showing !== "variant" || document.getElementById(id)) return;
    setShowing("original");
  }, [location.hash, showing]);
  useEffect(() => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && showing === "original") document.getElementById(id)?.scrollIntoView();
  }, [showing, location.hash]);

  useEffect(() => {
    if (refusal && focusReason.current) {
      focusReason.current = false;
      reasonRef.current?.focus();
    }
  }, [refusal]);

  const streaming = variant?.status === "streaming";
  const variantLabel =
    variant?.kind === "study-guide"
      ? "study guide"
      : variant?.action === "translate"
        ? `${languageName(variant.language ?? "ur")} translation`
        : "personalized version";
  const rtl = variant?.action === "translate" && isRtl(variant.language ?? "");

  return (
    <>
      <section
        className={styles.bar}
        aria-label="Chapter tools"
        data-testid="chapter-tools"
        data-status={variant?.status ?? "none"}
        data-showing={showing}
        data-kind={variant?.kind}
      >
        <div className={styles.actions}>
          <button
            type="button"
            className="button button--secondary button--sm"
            ref={personalizeRef}
            data-testid="chapter-personalize"
            onClick={() => request("personalize")}
          >
            Personalize this chapter
          </button>
          {languages.length > 1 && (
            <span className={styles.language}>
              <label htmlFor={languageId}>Language</label>
              <select
                id={languageId}
                value={language}
                disabled={Boolean(translateReason)}
                data-testid="chapter-language"
                onChange={(event) => setLanguage(event.target.value)}
              >
                {languages.map((code) => (
                  <option key={code} value={code}>
                    {languageLabel(code)}
                  </option>
                ))}
              </select>
            </span>
          )}
          <button
            type="button"
            className="button button--secondary button--sm"
            ref={translateRef}
            data-testid="chapter-translate"
            disabled={Boolean(translateReason)}
            aria-describedby={translateReason ? reasonId : undefined}
            title={languages.length === 1 ? `Into ${languageName(languages[0] ?? "ur")}` : undefined}
            onClick={() => request("translate")}
          >
            Translate this chapter
          </button>
          {variant && (
            <button
              type="button"
              className={`button button--sm ${showing === "variant" ? "button--primary" : "button--outline button--primary"}`}
              data-testid="chapter-toggle"
              aria-pressed={showing === "original"}
              onClick={() => setShowing((s) => (s === "variant" ? "original" : "variant"))}
            >
              {showing === "variant" ? "Show the original" : `Show the ${variantLabel}`}
            </button>
          )}
          {streaming && (
            <button
              type="button"
              className="button button--link button--sm"
              onClick={() => {
                abortRef.current?.abort();
                if (receivedRef.current > 0) {
                  setVariant((v) => v && { ...v, status: "error", error: undefined });
                } else {
                  setVariant(null);
                  setShowing("original");
                }
              }}
            >
              Stop
            </button>
          )}
        </div>
        {translateReason && (
          <p
            id={reasonId}
            ref={reasonRef}
            tabIndex={-1}
            className={styles.reason}
            data-testid="chapter-translate-reason"
          >
            Translation is unavailable: {translateReason}
          </p>
        )}
        {pending && !signedIn && (
          <p className={styles.reason} data-testid="chapter-sign-in" role="status">
            {status === "loading"
              ? "Checking your session…"
              : `Sign in to ${pending.action === "translate" ? "translate" : "personalize"} this chapter: the tutor's account panel is open.`}
          </p>
        )}
        {problem && (
          <p className={styles.error} role="alert" data-testid="chapter-error">
            {problem.message}
          </p>
        )}
        {variant && showing === "variant" && (
          <div className={styles.status}>
            <VariantNote variant={variant} />
            <p className={styles.progress} id={progressId} aria-live="polite" data-testid="chapter-progress">
              {streaming
                ? `Preparing… ${variant.sections.length} of ${variant.total} sections`
                : variant.status === "done"
                  ? `${variant.sections.length} of ${variant.sections.length} sections${variant.cached ? " (prepared earlier: no new AI call)" : ""}`
                  : `${variant.sections.length} of ${variant.total} sections; the rest of the chapter is in the original.`}
            </p>
            {streaming && (
              <progress
                className={styles.meter}
                value={variant.sections.length}
                max={variant.total}
                aria-labelledby={progressId}
              />
            )}
            {variant.error && (
              <p className={styles.error} role="alert" data-testid="chapter-error">
                {variant.error.message}
              </p>
            )}
          </div>
        )}
      </section>
      {variant && showing === "variant" ? (
        <div aria-busy={streaming}>
          <ChapterVariant
            title={title}
            sections={variant.sections}
            original={shapeRef.current ?? readOriginal(null, ownTitle)}
            anchored={variant.kind !== "study-guide"}
            language={variant.action === "translate" ? variant.language : undefined}
            rtl={rtl}
          />
          {streaming && (
            <p className={styles.progress} aria-hidden="true">
              Preparing section {variant.sections.length + 1} of {variant.total}…
            </p>
          )}
        </div>
      ) : (
        <div ref={originalRef}>{children}</div>
      )}
    </>
  );
}
