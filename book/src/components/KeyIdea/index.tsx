// Highlighted box stating a chapter's key idea: <KeyIdea title="...">children</KeyIdea>.
import type { ReactNode } from "react";
import styles from "./styles.module.css";

export interface KeyIdeaProps {
  title?: string;
  children?: ReactNode;
}

export default function KeyIdea({ title, children }: KeyIdeaProps): ReactNode {
  return (
    <aside className={styles.keyIdea} aria-label={title ? `Key idea: ${title}` : "Key idea"}>
      <p className={styles.label}>
        Key idea{title ? ": " : ""}
        {title && <strong>{title}</strong>}
      </p>
      <div className={styles.body}>{children}</div>
    </aside>
  );
}
