// "Ask about this": a button that appears next to text selected inside the book's content.
import { type ReactNode, useEffect, useState } from "react";
import styles from "./tutor.module.css";

const MIN_SELECTION = 3;

interface Anchor {
  text: string;
  top: number;
  left: number;
}

function currentSelection(containerSelector: string): Anchor | null {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
  const text = selection.toString().replace(/\s+/g, " ").trim();
  if (text.length < MIN_SELECTION) return null;
  const range = selection.getRangeAt(0);
  const container = range.commonAncestorContainer;
  const element = container instanceof Element ? container : container.parentElement;
  if (!element?.closest(containerSelector)) return null;
  const rect = range.getBoundingClientRect();
  return {
    text,
    top: rect.bottom + window.scrollY + 6,
    left: Math.min(Math.max(8, rect.left + window.scrollX), window.scrollX + window.innerWidth - 160),
  };
}

export function SelectionAsk({
  containerSelector,
  onAsk,
}: {
  containerSelector: string;
  onAsk(text: string): void;
}): ReactNode {
  const [anchor, setAnchor] = useState<Anchor | null>(null);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const update = () => {
      clearTimeout(timer);
      // Wait for the selection to settle (dragging fires many events).
      timer = setTimeout(() => setAnchor(currentSelection(containerSelector)), 120);
    };
    document.addEventListener("selectionchange", update);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("selectionchange", update);
    };
  }, [containerSelector]);

  // Keyboard readers: Alt+A asks about the current selection (code, not key, so macOS's Option+A works too).
  useEffect(() => {
    if (!anchor) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyA") {
        event.preventDefault();
        onAsk(anchor.text);
        setAnchor(null);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [anchor, onAsk]);

  if (!anchor) return null;
  return (
    <button
      type="button"
      className={`button button--primary button--sm ${styles.askSelection}`}
      style={{ top: anchor.top, left: anchor.left }}
      data-testid="tutor-ask-selection"
      aria-keyshortcuts="Alt+A"
      title="Ask the tutor about the selected text (Alt+A)"
      // Keep the selection alive while the button is pressed.
      onMouseDown={(event) => event.preventDefault()}
      onClick={() => {
        onAsk(anchor.text);
        setAnchor(null);
      }}
    >
      Ask about this
    </button>
  );
}
