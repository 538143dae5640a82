/**
 * Recorded Stripe API shapes (written from Stripe's API reference: the PaymentIntent, Charge,
 * Refund, Account, AccountLink, Transfer, PaymentMethod, Customer objects and the error body
 * `{"error": {type, code, decline_code, message, payment_intent?}}`), trimmed to the fields the
 * provider and the database read. Used by stripe.test.ts and by the webhook tests.
 */
export const T0 = 1_796_000_000; // a fixed Unix time

export function paymentIntent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "pi_3QxAbc2eZvKYlo2C0a1b2c3d",
    object: "payment_intent",
    amount: 10500,
    amount_capturable: 10500,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "manual",
    client_secret: "pi_3QxAbc2eZvKYlo2C0a1b2c3d_secret_Xy9Zq1w2e3r4t5y6u7i8o9p0",
    confirmation_method: "automatic",
    created: T0,
    currency: "aed",
    customer: "cus_RzAbCdEfGhIjKl",
    description: null,
    last_payment_error: null,
    latest_charge: {
      id: "ch_3QxAbc2eZvKYlo2C0e5f6g7h",
      object: "charge",
      amount: 10500,
      amount_captured: 0,
      amount_refunded: 0,
      captured: false,
      currency: "aed",
      paid: true,
      payment_intent: "pi_3QxAbc2eZvKYlo2C0a1b2c3d",
      refunded: false,
      status: "succeeded",
      payment_method_details: {
        type: "card",
        card: { brand: "visa", last4: "4242", capture_before: T0 + 7 * 86400, exp_month: 12, exp_year: 2034 },
      },
    },
    livemode: false,
    metadata: { hl_payment_id: "6f1c1f7e-1111-4a4a-9b9b-000000000001" },
    next_action: null,
    on_behalf_of: null,
    payment_method: "pm_1QxAbc2eZvKYlo2CvIsa4242",
    payment_method_types: ["card"],
    processing: null,
    setup_future_usage: "off_session",
    status: "requires_capture",
    transfer_data: null,
    transfer_group: "booking_6f1c1f7e",
    ...overrides,
  };
}

export function refund(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "re_3QxAbc2eZvKYlo2C0r1s2t3u",
    object: "refund",
    amount: 2500,
    balance_transaction: "txn_3QxAbc2eZvKYlo2C0b1c2d3e",
    charge: "ch_3QxAbc2eZvKYlo2C0e5f6g7h",
    created: T0 + 3600,
    currency: "aed",
    destination_details: { card: { type: "refund" }, type: "card" },
    metadata: { hl_operation: "refund" },
    payment_intent: "pi_3QxAbc2eZvKYlo2C0a1b2c3d",
    reason: "requested_by_customer",
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
    ...overrides,
  };
}

export function account(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "acct_1QxProv1derAbCd",
    object: "account",
    business_profile: { mcc: null, name: null, url: null },
    capabilities: { transfers: "inactive" },
    charges_enabled: false,
    controller: { type: "application", is_controller: true },
    country: "AE",
    created: T0,
    default_currency: "aed",
    details_submitted: false,
    email: "provider@example.test",
    external_accounts: {
      object: "list",
      data: [],
      has_more: false,
      url: "/v1/accounts/acct_1QxProv1derAbCd/external_accounts",
    },
    metadata: { hl_owner_kind: "user", hl_owner_id: "0b5f7d3e-2222-4b4b-8c8c-000000000002" },
    payouts_enabled: false,
    requirements: {
      currently_due: ["external_account", "individual.verification.document"],
      disabled_reason: "requirements.past_due",
      eventually_due: [],
      past_due: [],
    },
    type: "express",
    ...overrides,
  };
}

export const accountLink = {
  object: "account_link",
  created: T0,
  expires_at: T0 + 300,
  url: "https://connect.stripe.com/setup/e/acct_1QxProv1derAbCd/Q1w2E3r4T5y6",
};

export function transfer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "tr_1QxTrAnSfErAbCdEf",
    object: "transfer",
    amount: 9000,
    amount_reversed: 0,
    balance_transaction: "txn_1QxTrAnSfErBaLaNcE",
    created: T0 + 7200,
    currency: "aed",
    description: null,
    destination: "acct_1QxProv1derAbCd",
    destination_payment: "py_1QxDeStPaYmEnT",
    livemode: false,
    metadata: { hl_payout_id: "9a9a9a9a-3333-4c4c-8d8d-000000000003" },
    reversals: { object: "list", data: [], has_more: false, url: "/v1/transfers/tr_1QxTrAnSfErAbCdEf/reversals" },
    reversed: false,
    source_transaction: null,
    source_type: "card",
    transfer_group: "booking_6f1c1f7e",
    ...overrides,
  };
}

export const customer = {
  id: "cus_RzAbCdEfGhIjKl",
  object: "customer",
  created: T0,
  email: "customer@example.test",
  livemode: false,
  metadata: { hl_user_id: "1c1c1c1c-4444-4d4d-8e8e-000000000004" },
  name: null,
};

export const paymentMethod = {
  id: "pm_1QxAbc2eZvKYlo2CvIsa4242",
  object: "payment_method",
  billing_details: { address: null, email: null, name: null, phone: null },
  card: {
    brand: "visa",
    checks: { cvc_check: "pass" },
    country: "US",
    exp_month: 12,
    exp_year: 2034,
    funding: "credit",
    last4: "4242",
  },
  created: T0,
  customer: "cus_RzAbCdEfGhIjKl",
  livemode: false,
  metadata: {},
  type: "card",
};

export const errors = {
  cardDeclined: {
    error: {
      type: "card_error",
      code: "card_declined",
      decline_code: "generic_decline",
      doc_url: "https://stripe.com/docs/error-codes/card-declined",
      message: "Your card was declined.",
      request_log_url: "https://dashboard.stripe.com/test/logs/req_declined1",
      payment_intent: paymentIntent({
        status: "requires_payment_method",
        amount_capturable: 0,
        latest_charge: "ch_3QxAbc2eZvKYlo2C0declin",
        payment_method: null,
        last_payment_error: {
          type: "card_error",
          code: "card_declined",
          decline_code: "generic_decline",
          message: "Your card was declined.",
        },
      }),
    },
  },
  authenticationRequired: {
    error: {
      type: "card_error",
      code: "authentication_required",
      decline_code: "authentication_required",
      doc_url: "https://stripe.com/docs/error-codes/authentication-required",
      message: "Your card was declined. This transaction requires authentication.",
      payment_intent: paymentIntent({
        status: "requires_payment_method",
        amount_capturable: 0,
        latest_charge: null,
        last_payment_error: {
          type: "card_error",
          code: "authentication_required",
          decline_code: "authentication_required",
        },
      }),
    },
  },
  chargeExpired: {
    error: {
      type: "invalid_request_error",
      code: "charge_expired_for_capture",
      doc_url: "https://stripe.com/docs/error-codes/charge-expired-for-capture",
      message: "The charge has expired and can no longer be captured.",
    },
  },
  idempotency: {
    error: {
      type: "idempotency_error",
      message:
        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'hl:capture:x:1' if you meant to execute a different request.",
    },
  },
  refundTooLarge: {
    error: {
      type: "invalid_request_error",
      code: "amount_too_large",
      param: "amount",
      message: "Refund amount (AED 200.00) is greater than unrefunded amount on charge (AED 105.00)",
    },
  },
  missing: {
    error: {
      type: "invalid_request_error",
      code: "resource_missing",
      param: "intent",
      message: "No such payment_intent: 'pi_nope'",
    },
  },
  transferCapabilities: {
    error: {
      type: "invalid_request_error",
      code: "insufficient_capabilities_for_transfer",
      message:
        "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
    },
  },
  rateLimited: {
    error: { type: "invalid_request_error", code: "rate_limit", message: "Too many requests hit the API too quickly." },
  },
  apiError: { error: { type: "api_error", message: "An unknown error occurred" } },
};
