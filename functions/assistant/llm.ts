/**
 * The LLM suggester: an OpenAI-compatible chat-completions client (OpenAI, Azure OpenAI's
 * compatible endpoint, OpenRouter, Ollama, vLLM, ...), used when a key is configured.
 *
 *   POST {baseUrl}/chat/completions  {model, temperature: 0, messages, response_format}
 *
 * response_format is a strict JSON schema (`json_schema`, the default) whose category_slug is an
 * enum of the catalog's slugs, or `json_object` for servers without structured outputs. The
 * answer is validated with zod; on any failure — HTTP error, timeout, network error, refusal,
 * truncated or invalid JSON, an unknown slug — the heuristic answers instead and the response
 * says why (`fallback_reason`). The API key never leaves this module except in the request's
 * Authorization header.
 */
import { z } from "zod";
import { categoryName } from "./heuristic.ts";
import type { SuggestInput, Suggester, Suggestion } from "./schemas.ts";

export interface LlmConfig {
  apiKey: string;
  /** Base URL of the API, e.g. https://api.openai.com/v1 (no trailing /chat/completions). */
  baseUrl: string;
  model: string;
  /** Give up after this many milliseconds (default 8000). */
  timeoutMs?: number;
  responseFormat?: "json_schema" | "json_object";
  fetch?: typeof fetch;
  /** Where fallbacks are reported (default console.warn). */
  warn?: (message: string) => void;
}

/** The parts of a chat.completion response the client reads. */
const chatCompletion = z.object({
  choices: z.array(z.object({
    finish_reason: z.string().nullable().optional(),
    message: z.object({
      content: z.string().nullable().optional(),
      refusal: z.string().nullable().optional(),
    }),
  })).min(1),
});

/** The JSON the model must answer. */
const llmAnswer = z.strictObject({
  category_slug: z.string(),
  title: z.string().trim().min(3).max(120),
  duration_minutes: z.number().int().min(5).max(1440).nullable(),
  confidence: z.number().min(0).max(1),
});

const NONE = "none";

function systemPrompt(input: SuggestInput): string {
  const lines = input.categories.map((c) =>
    `- ${c.slug}: ${c.names.en} / ${c.names.ar}${c.parent_id ? "" : " (top-level)"}` +
    (c.keywords.en.length || c.keywords.ar.length ? ` [${[...c.keywords.en, ...c.keywords.ar].slice(0, 12).join(", ")}]` : "")
  );
  return [
    "You turn a customer's description of a job into a draft job for a local services marketplace.",
    "Pick the single most specific category that fits, from this list (slug: English / Arabic name [keywords]):",
    ...lines,
    `If none fits, answer category_slug "${NONE}".`,
    `Write a short job title (3 to 80 characters) in ${input.locale === "ar" ? "Arabic" : "English"}, ` +
    "estimate the job's duration in minutes (or null if you cannot tell) and your confidence from 0 to 1.",
    'Answer with JSON only: {"category_slug": string, "title": string, "duration_minutes": integer or null, "confidence": number}.',
  ].join("\n");
}

function responseFormat(kind: "json_schema" | "json_object", slugs: string[]) {
  if (kind === "json_object") return { type: "json_object" };
  return {
    type: "json_schema",
    json_schema: {
      name: "job_suggestion",
      strict: true,
      schema: {
        type: "object",
        properties: {
          category_slug: { type: "string", enum: [...slugs, NONE] },
          title: { type: "string" },
          duration_minutes: { type: ["integer", "null"] },
          confidence: { type: "number" },
        },
        required: ["category_slug", "title", "duration_minutes", "confidence"],
        additionalProperties: false,
      },
    },
  };
}

/** JSON text of a message, without a ```json fence some json_object-mode servers add. */
function unfence(text: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return m ? m[1] : text;
}

class Fallback extends Error {}

/** Asks the model; throws Fallback(reason) when its answer cannot be used. */
async function ask(config: LlmConfig, input: SuggestInput): Promise<Suggestion> {
  const doFetch = config.fetch ?? fetch;
  const url = `${config.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${config.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        model: config.model,
        temperature: 0,
        messages: [
          { role: "system", content: systemPrompt(input) },
          { role: "user", content: input.description },
        ],
        response_format: responseFormat(config.responseFormat ?? "json_schema", input.categories.map((c) => c.slug)),
      }),
      signal: AbortSignal.timeout(config.timeoutMs ?? 8000),
    });
  } catch (err) {
    const name = (err as { name?: string }).name;
    throw new Fallback(name === "TimeoutError" || name === "AbortError" ? "llm_timeout" : "llm_unreachable");
  }
  const text = await res.text();
  if (!res.ok) throw new Fallback(`llm_http_${res.status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Fallback("llm_invalid_response");
  }
  const completion = chatCompletion.safeParse(body);
  if (!completion.success) throw new Fallback("llm_invalid_response");
  const choice = completion.data.choices[0];
  if (choice.message.refusal) throw new Fallback("llm_refusal");
  if (choice.finish_reason === "length") throw new Fallback("llm_truncated");
  const content = choice.message.content;
  if (!content) throw new Fallback("llm_empty_answer");
  let json: unknown;
  try {
    json = JSON.parse(unfence(content));
  } catch {
    throw new Fallback("llm_invalid_output");
  }
  const answer = llmAnswer.safeParse(json);
  if (!answer.success) throw new Fallback("llm_invalid_output");
  if (answer.data.category_slug === NONE) throw new Fallback("llm_no_category");
  const category = input.categories.find((c) => c.slug === answer.data.category_slug);
  if (!category) throw new Fallback("llm_unknown_category");
  return {
    categoryId: category.id,
    title: answer.data.title || categoryName(category, input.locale),
    durationMinutes: answer.data.duration_minutes,
    confidence: Math.round(answer.data.confidence * 100) / 100,
    source: "llm",
  };
}

/** The LLM suggester, with `fallback` (the heuristic) answering whenever the model's answer cannot be used. */
export function createLlmSuggester(config: LlmConfig, fallback: Suggester): Suggester {
  const warn = config.warn ?? ((m: string) => console.warn(m));
  return {
    name: "llm",
    async suggest(input) {
      try {
        return await ask(config, input);
      } catch (err) {
        if (!(err instanceof Fallback)) throw err;
        warn(`assistant: LLM answer not used (${err.message}); using the heuristic`);
        const s = await fallback.suggest(input);
        return s && { ...s, fallbackReason: err.message };
      }
    },
  };
}
