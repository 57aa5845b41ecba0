// `npx tsx bench/eval-hybrid-stub.ts`: the multi-book eval in hybrid mode with a STAND-IN embedder — the testkit's
// OpenAI-protocol server, whose embeddings are a hashed bag of words (no semantics). It shows what the fusion does to
// the lexical ranking when the dense leg is weak; it says nothing about real embeddings (docs/BENCHMARKS.md).
import { startOpenAIStub } from "@ai-book/testkit";
import { createOpenAIEmbedder } from "../services/api/src/adapters/embed/openai.ts";
import {
  DEFAULT_CORPORA,
  evalCorpora,
  formatCorporaTable,
  readCorpora,
  SAMPLE_BOOK,
} from "../services/api/src/cli/eval-corpora.ts";

const stub = await startOpenAIStub();
try {
  const embedder = createOpenAIEmbedder({ apiKey: "stub", baseURL: stub.baseURL, dimensions: 256 });
  const results = await evalCorpora([...readCorpora(DEFAULT_CORPORA), SAMPLE_BOOK], {
    embedder,
    onResult: ({ corpus }) => console.error(`${corpus.name}: done`),
  });
  console.log("Retrieval eval (hybrid, stand-in hashed bag-of-words embeddings), by answer file, top 5:\n");
  console.log(formatCorporaTable(results));
} finally {
  await stub.close();
}
