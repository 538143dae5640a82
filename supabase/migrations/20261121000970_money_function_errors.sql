-- =================================================================================================
-- Money (issue 11): the error codes the edge functions raise themselves (HL670–HL679).
--
-- `payments` and `stripe-webhook` (functions/) answer with these codes when the failure is not a
-- database error (those keep their own HL62x–HL64x codes): a declined card, the provider or the
-- database unreachable, a provider refusal that is not the client's fault, a bad webhook
-- signature, a confirm step with nothing to confirm. Registered here so the README's table and
-- private.error_codes stay one registry.
-- =================================================================================================

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL670', 'payment_declined', 402, 'The card was declined. Try another payment method.',
   'details.reason is card_declined or authentication_required and details.decline_code the processor''s reason; start the payment again with another payment_method.'),
  ('HL671', 'payment_service_unavailable', 503, 'The payment service is unavailable. Try again shortly.',
   'The payment provider (or, for webhooks, the database) could not be reached. Retry after the Retry-After header; the same request is safe to repeat.'),
  ('HL672', 'payment_provider_error', 502, 'The payment provider refused the request.',
   'A configuration or provider-side problem, not the request: details.reason carries the provider''s code for support.'),
  ('HL673', 'invalid_webhook_signature', 400, 'The webhook signature is missing or invalid.',
   'Stripe-Signature must be signed with the endpoint''s secret over the raw body, within 300 seconds (details: signature_mismatch or timestamp_outside_tolerance).'),
  ('HL674', 'payment_action_not_available', 422, 'There is no payment step to confirm; start the payment first.',
   'Call POST /payments/booking (or /payments/tip) first; confirm only after it answered requires_action.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;
