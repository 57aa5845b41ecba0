// The stores' single-row look-ups: one column of the row its key (one or more columns) names.
import type { Kysely, Selectable } from "kysely";
import type { Database } from "./schema.ts";

/**
 * `column` of the `table` row whose columns equal `key` (all of them), or undefined when there is none:
 * `lookUp(db, "conversations", "user_id", { id })`.
 */
export async function lookUp<T extends keyof Database, C extends keyof Selectable<Database[T]> & string>(
  db: Kysely<Database>,
  table: T,
  column: C,
  key: Partial<Selectable<Database[T]>>,
): Promise<Selectable<Database[T]>[C] | undefined> {
  // Kysely cannot type a query over a table named by a type parameter; the signature keeps the callers typed.
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  let query = loose.selectFrom(table as string).select(column as string);
  for (const [name, value] of Object.entries(key)) query = query.where(name, "=", value);
  const row: Record<string, unknown> | undefined = await query.executeTakeFirst();
  return row?.[column] as Selectable<Database[T]>[C] | undefined;
}
