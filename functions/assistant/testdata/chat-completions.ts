/**
 * Response shapes of OpenAI-compatible chat-completions APIs, as the suggester receives them
 * (bodies written for these tests in the documented formats; ids and fingerprints are made up).
 */

/** A successful structured-output answer (OpenAI chat.completion object). */
export function completion(content: string | null, extra: { finish_reason?: string; refusal?: string | null } = {}) {
  return {
    id: "chatcmpl-test0001",
    object: "chat.completion",
    created: 1764968400,
    model: "gpt-4o-mini-2024-07-18",
    choices: [{
      index: 0,
      message: { role: "assistant", content, refusal: extra.refusal ?? null, annotations: [] },
      logprobs: null,
      finish_reason: extra.finish_reason ?? "stop",
    }],
    usage: {
      prompt_tokens: 412,
      completion_tokens: 31,
      total_tokens: 443,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: "default",
    system_fingerprint: "fp_test0001",
  };
}

/** The error body OpenAI-compatible APIs send with 4xx/5xx statuses. */
export function apiError(type: string, code: string | null, message: string) {
  return { error: { message, type, param: null, code } };
}

/** An Ollama-style answer (its OpenAI-compatible endpoint): fewer fields, content fenced as markdown. */
export function ollamaCompletion(content: string) {
  return {
    id: "chatcmpl-123",
    object: "chat.completion",
    created: 1764968400,
    model: "llama3.1:8b",
    system_fingerprint: "fp_ollama",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 380, completion_tokens: 40, total_tokens: 420 },
  };
}
