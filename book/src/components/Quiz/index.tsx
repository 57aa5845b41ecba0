// Multiple-choice self-check used in chapters: <Quiz question options answer explanation />.
import clsx from "clsx";
import { type ReactNode, useId, useState } from "react";
import styles from "./styles.module.css";

export interface QuizProps {
  question: string;
  options: string[];
  /** Zero-based index of the correct option. */
  answer: number;
  explanation?: ReactNode;
}

export default function Quiz({ question, options, answer, explanation }: QuizProps): ReactNode {
  const id = useId();
  const [choice, setChoice] = useState<number | null>(null);
  const [checked, setChecked] = useState(false);
  const correct = checked && choice === answer;

  return (
    <form
      className={styles.quiz}
      onSubmit={(event) => {
        event.preventDefault();
        if (choice !== null) setChecked(true);
      }}
    >
      <fieldset className={styles.fieldset}>
        <legend className={styles.question}>
          <span className={styles.badge}>Quiz</span> {question}
        </legend>
        {options.map((option, index) => (
          <label
            key={option}
            className={clsx(
              styles.option,
              checked && index === answer && styles.correct,
              checked && index === choice && index !== answer && styles.wrong,
            )}
          >
            <input
              type="radio"
              name={id}
              value={index}
              checked={choice === index}
              onChange={() => {
                setChoice(index);
                setChecked(false);
              }}
            />
            <span>{option}</span>
          </label>
        ))}
      </fieldset>
      <div className={styles.actions}>
        <button type="submit" className="button button--primary button--sm" disabled={choice === null}>
          Check answer
        </button>
        <output aria-live="polite" className={styles.feedback}>
          {checked && (correct ? "Correct." : `Not quite — the answer is: ${options[answer] ?? ""}.`)}
        </output>
      </div>
      {checked && explanation && <div className={styles.explanation}>{explanation}</div>}
    </form>
  );
}
