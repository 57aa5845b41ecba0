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

  if (!anchor) return null;
  return (
    <button
      type="button"
      className={`button button--primary button--sm ${styles.askSelection}`}
      style={{ top: anchor.top, left: anchor.left }}
      data-testid="tutor-ask-selection"
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
