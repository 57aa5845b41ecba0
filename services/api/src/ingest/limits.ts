// Ingest limits the service's configuration also reads: kept apart from sync.ts, whose imports (the chunker's
// gpt-tokenizer: 66 MB resident, 34 MB of heap once loaded) must not come into the api-service through config.ts.

/** 1 MiB: the largest chapter of the sample book is about 40 kB; a docs file far past this is a mistake or an attack. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
