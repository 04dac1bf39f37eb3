/** The `openai` backend: any OpenAI-compatible endpoint, with fan-out, timeouts and retries. */
export { createOpenAIBackend, OpenAIBackend, type OpenAIBackendOptions } from "./backend.ts";
export type { FetchFunction } from "./client.ts";
export type { ChatTemplate } from "./protocol.ts";
