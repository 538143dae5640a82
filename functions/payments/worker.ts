/**
 * The payments worker: drains the database's operation outbox (private.payment_operations).
 *
 *   claim_payment_operations(batch) → for each operation, the provider call with the operation's
 *   idempotency key → apply_* of the object the provider answered → complete_payment_operation.
 *
 * Never double-charges: a repeated call (lease expired and claimed again, the function killed
 * between the provider call and the report, a retry after a network error) carries the SAME
 * idempotency key, and the provider answers it with the first result. Transient failures
 * (network, 5xx, rate limit, processing errors) are reported `retry` and the database schedules
 * the next attempt with exponential backoff; refusals (declined, expired authorisation, invalid
 * request) are `failed` and the database reacts (capture_failed, booking cancelled, payout back to
 * payable). States only ever come from the provider's objects.
 */
import { HttpError } from "../_shared/http.ts";
import type { ApplyResult, ClaimedOperation, MoneyApi } from "../_shared/payments/api.ts";
import { isProviderError, type PaymentIntent, type PaymentProvider, ProviderError } from "../_shared/payments/types.ts";

export interface WorkerTotals {
  batches: number;
  claimed: number;
  succeeded: number;
  retry: number;
  failed: number;
  stale: number;
  provider: string;
}

export interface WorkerOptions {
  batchSize: number;
  maxBatches: number;
  /** Stop claiming after this many ms (the function's own time budget). */
  budgetMs: number;
}

interface Outcome {
  outcome: "succeeded" | "retry" | "failed";
  result: unknown;
  error: string | null;
}

const errorText = (e: ProviderError) => `${e.kind}${e.code ? `:${e.code}` : ""}`;

/** Summary of an applied object for the operation's `result` (ids and states; no card data). */
function summary(obj: { id: string; object: string; status?: string }, applied: ApplyResult | null) {
  return { object: obj.object, id: obj.id, status: obj.status ?? null, applied };
}

async function runOne(api: MoneyApi, provider: PaymentProvider, op: ClaimedOperation): Promise<Outcome> {
  const key = op.idempotency_key;
  const meta = op.metadata ?? {};
  const applyIntent = async (pi: PaymentIntent) => await api.applyPaymentIntent(provider.name, pi);
  try {
    switch (op.operation) {
      case "capture": {
        const pi = await provider.capturePaymentIntent(req(op.provider_ref), {
          amount_to_capture: op.amount ?? undefined,
        }, key);
        return { outcome: "succeeded", result: summary(pi, await applyIntent(pi)), error: null };
      }
      case "cancel": {
        const pi = await provider.cancelPaymentIntent(req(op.provider_ref), { cancellation_reason: "abandoned" }, key);
        return { outcome: "succeeded", result: summary(pi, await applyIntent(pi)), error: null };
      }
      case "reauthorize": {
        const pi = await provider.createPaymentIntent({
          amount: reqN(op.amount),
          currency: req(op.currency),
          customer: req(op.provider_customer_ref),
          payment_method: req(op.payment_method),
          off_session: true,
          confirm: true,
          metadata: meta,
        }, key);
        return { outcome: "succeeded", result: summary(pi, await applyIntent(pi)), error: null };
      }
      case "refund": {
        const r = await provider.createRefund({
          payment_intent: req(op.provider_ref),
          amount: reqN(op.amount),
          metadata: meta,
        }, key);
        return { outcome: "succeeded", result: summary(r, await api.applyRefund(provider.name, r)), error: null };
      }
      case "transfer": {
        const t = await provider.createTransfer({
          amount: reqN(op.amount),
          currency: req(op.currency),
          destination: req(op.destination_account),
          metadata: meta,
        }, key);
        return { outcome: "succeeded", result: summary(t, await api.applyTransfer(provider.name, t)), error: null };
      }
      default:
        return { outcome: "failed", result: null, error: `unknown_operation:${op.operation}` };
    }
  } catch (err) {
    if (err instanceof MissingField) return { outcome: "failed", result: null, error: `missing_field:${err.message}` };
    if (!isProviderError(err)) {
      // Our side failed (the report to the database, after the provider call): retry; the same
      // idempotency key makes the provider replay its answer. The code says which (no payload).
      const code = err instanceof HttpError ? `${err.code}:${err.message}`.slice(0, 200) : "unexpected";
      console.error(`payments worker: operation ${op.operation_id} (${op.operation}) not reported: ${code}`);
      return { outcome: "retry", result: null, error: `report_failed:${code}` };
    }
    // A refused intent comes back in the state it was left in: apply it first (declined → failed).
    let applied: ApplyResult | null = null;
    if (err.paymentIntent) applied = await applyIntent(err.paymentIntent).catch(() => null);
    if (err.kind === "invalid_state" && op.provider_ref && (op.operation === "capture" || op.operation === "cancel")) {
      // Already captured/canceled (e.g. by a previous attempt whose report was lost, or on the
      // dashboard): take the provider's current state as the result.
      const pi = await provider.retrievePaymentIntent(op.provider_ref).catch(() => null);
      if (pi) {
        applied = await applyIntent(pi).catch(() => null);
        const reached = op.operation === "capture" ? pi.status === "succeeded" : pi.status === "canceled";
        if (reached && applied) return { outcome: "succeeded", result: summary(pi, applied), error: null };
        if (reached) return { outcome: "retry", result: null, error: "report_failed:apply" };
      }
    }
    if (err.retryable) return { outcome: "retry", result: applied, error: errorText(err) };
    return { outcome: "failed", result: applied, error: errorText(err) };
  }
}

class MissingField extends Error {}
function req(v: string | null | undefined): string {
  if (!v) throw new MissingField("string");
  return v;
}
function reqN(v: number | null | undefined): number {
  if (typeof v !== "number") throw new MissingField("amount");
  return v;
}

export async function runWorker(api: MoneyApi, provider: PaymentProvider, opts: WorkerOptions): Promise<WorkerTotals> {
  const started = Date.now();
  const totals: WorkerTotals = {
    batches: 0,
    claimed: 0,
    succeeded: 0,
    retry: 0,
    failed: 0,
    stale: 0,
    provider: provider.name,
  };
  for (let i = 0; i < opts.maxBatches && Date.now() - started < opts.budgetMs; i++) {
    const batch = await api.claimOperations(opts.batchSize);
    if (!batch || batch.length === 0) break;
    totals.batches++;
    totals.claimed += batch.length;
    await Promise.all(batch.map(async (op) => {
      const o = await runOne(api, provider, op);
      const done = await api.completeOperation(op.operation_id, op.attempt, o.outcome, o.result, o.error);
      if (done.stale) totals.stale++;
      else totals[o.outcome]++;
    }));
  }
  return totals;
}
