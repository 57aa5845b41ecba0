// Form building blocks shared by the account views: labelled fields with announced errors, and submit state.
import { type FormEvent, type InputHTMLAttributes, type ReactNode, useState } from "react";
import { type TutorErrorInfo, toTutorError } from "../client/tutor-error.ts";
import styles from "./tutor.module.css";

export type FieldErrors = Partial<Record<string, string>>;

export function Field({
  label,
  error,
  children,
  id,
}: {
  label: string;
  error?: string | undefined;
  id: string;
  children: ReactNode;
}): ReactNode {
  return (
    <div className={styles.field}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && (
        <span id={`${id}-error`} className={styles.fieldError}>
          {error}
        </span>
      )}
    </div>
  );
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange"> & {
  label: string;
  id: string;
  error?: string | undefined;
  value: string;
  onValue: (value: string) => void;
};

/** A labelled text input whose error, when present, is announced with it. */
export function TextField({ label, id, error, value, onValue, ...input }: TextFieldProps): ReactNode {
  return (
    <Field label={label} id={id} error={error}>
      <input
        {...input}
        id={id}
        value={value}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onValue(event.target.value)}
      />
    </Field>
  );
}

export function FormError({ error }: { error: TutorErrorInfo | null }): ReactNode {
  if (!error) return null;
  return (
    <p className={styles.error} role="alert" data-testid="tutor-form-error" data-kind={error.kind}>
      {error.message}
    </p>
  );
}

export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TutorErrorInfo | null>(null);
  const run = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (cause) {
      setError(toTutorError(cause).info);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
