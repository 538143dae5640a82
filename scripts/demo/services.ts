/**
 * The services story: Amira's leaking sink. She posts a job with a photo; two plumbers nearby see
 * it and quote; she accepts Omar's offer and her card is authorised into escrow through the
 * `payments` function (local provider); they chat live; Omar drives over with live location,
 * starts with Amira's code and completes; the capture, the escrow release and Omar's payout go
 * through the payments worker; both review each other and the reviews are revealed.
 */
import { type Narrative, type Step, money } from "./narrative.ts";
import { type World, offset, photo, signInByPhone } from "./world.ts";

interface Job {
  id: string;
  status: string;
  notified_count: number;
  photo_paths: string[];
}
interface Offer {
  id: string;
  provider_id: string;
  price: number;
  status: string;
  proposed_start: string;
}
interface Booking {
  id: string;
  status: string;
  price: number;
  currency: string;
  reference: string;
}

/**
 * Where the story happens: a place in the Dubai money region (5 % VAT, AED) away from the seeded
 * providers, moved a little on every run so that earlier runs' plumbers (5 km radius) rarely reach
 * this run's job.
 */
function storyPlace(): { lat: number; lng: number } {
  return { lat: Number((24.8 + Math.random() * 0.2).toFixed(6)), lng: Number((55.65 + Math.random() * 0.3).toFixed(6)) };
}

/** The next whole hour at least `hours` from now (UTC). */
function inHours(hours: number): string {
  const HOUR = 3_600_000;
  return new Date(Math.ceil((Date.now() + hours * HOUR) / HOUR) * HOUR).toISOString();
}

export async function servicesStory(n: Narrative, world: World): Promise<void> {
  const home = storyPlace();

  n.chapter("Four people sign in", "Everyone signs in with a phone number and the code texted to it: Amira, who needs a plumber; Omar and Karim, plumbers nearby; Layla, who works for the marketplace.");
  const amira = await signInByPhone(n, world, { name: "Amira", role: "customer", fullName: "Amira Haddad" });
  const omar = await signInByPhone(n, world, { name: "Omar", role: "plumber", fullName: "Omar Saleh", locale: "ar" });
  const karim = await signInByPhone(n, world, { name: "Karim", role: "plumber", fullName: "Karim Nasser" });
  const layla = await signInByPhone(n, world, { name: "Layla", role: "operator", fullName: "Layla Operator" });

  await n.step(world.backOffice, "makes Layla an operator (admin)", async (s) => {
    s.call(`service.from("user_roles").insert({ user_id: ${JSON.stringify(layla.id.slice(0, 8) + "…")}, role: "admin" })`);
    const { error } = await world.service.from("user_roles").insert({ user_id: layla.id, role: "admin" });
    if (error) s.fail(`user_roles: ${error.code} ${error.message}`);
    const roles = await s.read<Array<{ role: string }>>(`supabase.from("user_roles").select("role")   // as Layla`,
      layla.client.from("user_roles").select("role").eq("user_id", layla.id));
    s.check(roles.some((r) => r.role === "admin"), "Layla holds the admin role", roles);
  });

  n.chapter("Two plumbers open for business", "Omar and Karim become providers through the catalog's RPCs, list a plumbing service and set their hours. Omar also proves who he is (Emirates ID, decided by Layla) and connects a payout account, so he can be paid.");
  const plumbing = await n.step(omar, "looks up the Plumbing category", async (s) => {
    const rows = await s.read<Array<{ id: string; names: { en: string } }>>(
      `supabase.from("categories").select("id, names").eq("slug", "plumbing").single()`,
      omar.client.from("categories").select("id, names").eq("slug", "plumbing"),
    );
    s.check(rows.length === 1, "the Plumbing category exists", rows);
    return rows[0].id;
  });
  const bases = { omar: offset(home, 1800, 900), karim: offset(home, -1200, -2100) };
  for (const [who, base, rate] of [[omar, bases.omar, 18000], [karim, bases.karim, 15000]] as const) {
    await n.step(who, "becomes a provider with a plumbing listing", async (s) => {
      const profile = await s.rpc<{ id: string; is_available: boolean }>(who.client, "create_provider_profile", {
        p_display_name: `${who.name} Plumbing`, p_lat: base.lat, p_lng: base.lng, p_service_radius_m: 5000,
        p_description: "Leaks, taps, water heaters", p_skills: ["plumbing", "water heaters"],
      });
      s.check(profile.id === who.id, `a provider profile (available: ${profile.is_available})`);
      if (!profile.is_available) {
        s.call(`supabase.from("provider_profiles").update({ is_available: true }).eq("id", user.id)`);
        const on = await who.client.from("provider_profiles").update({ is_available: true }).eq("id", who.id).select("is_available").single();
        if (on.error) s.fail(`provider_profiles: ${on.error.code} ${on.error.message}`);
        s.check(on.data!.is_available, "he switches himself available for work");
      }
      s.call(`supabase.from("service_listings").insert({ provider_id, category_id, title: "Plumbing repairs", pricing_unit: "hourly", base_price: ${rate} }).select().single()`);
      const listing = await who.client.from("service_listings")
        .insert({ provider_id: who.id, category_id: plumbing, title: "Plumbing repairs", pricing_unit: "hourly", base_price: rate, duration_minutes: 60 })
        .select("id, is_active, currency").single();
      if (listing.error) s.fail(`service_listings: ${listing.error.code} ${listing.error.message}`);
      s.check(listing.data!.is_active && listing.data!.currency === "AED", `listing ${listing.data!.id.slice(0, 8)}… active, ${money(rate)} an hour`);
      const week = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start_time: "00:00", end_time: "24:00" }));
      const rules = await s.rpc<unknown[]>(who.client, "set_weekly_availability", { p_rules: week });
      s.check(rules.length === 7, "open every day");
    });
  }

  const submission = await n.step(omar, "submits his Emirates ID for verification", async (s) => {
    const front = `${omar.id}/eid-front-${world.run}.jpg`;
    const back = `${omar.id}/eid-back-${world.run}.jpg`;
    await s.upload(omar.client, "verification-docs", front, photo());
    await s.upload(omar.client, "verification-docs", back, photo());
    const row = await s.rpc<{ id: string; status: string }>(omar.client, "submit_verification", {
      p_type: "emirates_id", p_emirates_id_number: `784-1988-${String(Date.now()).slice(-7)}-1`,
      p_documents: { id_front: front, id_back: back },
    });
    s.check(row.status === "pending", "the submission waits for an operator", row.status);
    return row.id;
  });
  await n.step(layla, "reviews the documents and approves Omar", async (s) => {
    const queue = await s.read<Array<{ submission_id: string; full_name: string; documents: Record<string, string> }>>(
      `supabase.from("operator_verification_queue").select("submission_id, full_name, documents")`,
      layla.client.from("operator_verification_queue").select("submission_id, full_name, documents").eq("submission_id", submission),
    );
    s.check(queue.length === 1, "Omar's submission is in her queue");
    s.call(`supabase.storage.from("verification-docs").createSignedUrl(documents.id_front, 300)`);
    const signed = await layla.client.storage.from("verification-docs").createSignedUrl(queue[0].documents.id_front, 300);
    if (signed.error) s.fail(`signed URL: ${signed.error.message}`);
    s.check((await fetch(signed.data!.signedUrl)).status === 200, "she can open the ID photo");
    const decided = await s.rpc<{ status: string }>(layla.client, "approve_verification", { p_submission_id: submission, p_note: "Matches the register" });
    s.check(decided.status === "approved", "approved");
    const me = await s.read<Array<{ is_verified: boolean }>>(`supabase.from("provider_profiles").select("is_verified")`,
      omar.client.from("provider_profiles").select("is_verified").eq("id", omar.id));
    s.check(me[0]?.is_verified === true, "Omar's provider profile shows the verified badge", me);
  });
  await n.step(omar, "connects a payout account", async (s) => {
    const started = await s.invokeOk(omar.client, "payments/onboarding", {});
    const account = String(started.account_id);
    s.check(started.payouts_enabled === false && typeof started.onboarding_url === "string", `account ${account} created; the app opens its onboarding link`, started);
    n.note("Omar fills in the payment provider's onboarding form. With Stripe that is Stripe's hosted page; the local provider's stand-in for it is local_payments.complete_onboarding, run as postgres. Stripe then sends account.updated; here the back office re-reads the account (payments/sync, service role), which applies the same object.");
    s.call(`select local_payments.complete_onboarding(${JSON.stringify(account)})   -- postgres: the provider's hosted form`);
    await world.sql`select local_payments.complete_onboarding(${account})`;
    s.call(`service.functions.invoke("payments/sync", { body: { account: ${JSON.stringify(account)} } })`);
    const { error } = await world.service.functions.invoke("payments/sync", { body: { account } });
    if (error) s.fail(`payments/sync: ${error.message}`);
    const status = await s.invokeOk(omar.client, "payments/onboarding", undefined, "GET");
    s.check(status.payouts_enabled === true, "payouts are enabled on Omar's account", status);
  });

  n.chapter("Amira posts a job", "A job is posted with its exact place kept private; providers see a point fuzzed to a 400 m grid. The best-fitting providers whose area covers the place are notified.");
  const job = await n.step(amira, "posts her leaking sink, then attaches a photo", async (s) => {
    const posted = await s.rpc<Job>(amira.client, "post_job", {
      p_category_id: plumbing, p_title: "Kitchen sink leaking under the counter",
      p_description: "Water drips from the trap when the tap runs. Cabinet is empty.",
      p_lat: home.lat, p_lng: home.lng, p_address: "Villa 12, Street 4", p_neighbourhood: "Al Faqa",
      p_duration_minutes: 60, p_budget_min: 10000, p_budget_max: 25000, p_asap: true,
    });
    s.check(posted.status === "open", `job ${posted.id.slice(0, 8)}… is open; matching notified ${posted.notified_count} provider(s)`);
    const path = `${amira.id}/${posted.id}/sink-${world.run}.jpg`;
    await s.upload(amira.client, "job-media", path, photo());
    const withPhoto = await s.rpc<Job>(amira.client, "set_job_photos", { p_job_id: posted.id, p_photo_paths: [path] });
    s.check(withPhoto.photo_paths.length === 1, "the photo is attached");
    return withPhoto;
  });

  n.chapter("Nearby plumbers see it and quote");
  const offers: Record<string, Offer> = {};
  for (const [who, price, message] of [[omar, 22000, "I can fix the trap today, parts included"], [karim, 17500, "Can come this afternoon"]] as const) {
    offers[who.name] = await n.step(who, "finds the job on his job board, opens it and quotes", async (s) => {
      const notes = await s.rpc<Array<{ kind: string; payload: { job_id?: string } }>>(who.client, "list_notifications", { p_limit: 20 });
      const matched = notes.some((x) => x.kind === "job.matched" && x.payload.job_id === job.id);
      s.say(matched ? "He was notified (job.matched)." : "He was not among the providers notified (others ranked higher); the job board shows every open job nearby.");
      const board = await s.rpc<Array<{ id: string; distance_m: number; title: string; photo_count: number }>>(who.client, "list_open_jobs_near_me", {
        p_category_id: plumbing, p_radius_m: 10000, p_limit: 50,
      });
      const mine = board.find((j) => j.id === job.id);
      s.check(Boolean(mine), `the job is on his board: "${mine?.title}", ${mine ? Math.round(mine.distance_m) : "?"} m away, ${mine?.photo_count} photo`, board.map((j) => j.id));
      const opened = await s.rpc<{ job: { description: string; photo_paths: string[] } }>(who.client, "get_job", { p_job_id: job.id });
      s.call(`supabase.storage.from("job-media").createSignedUrl(job.photo_paths[0], 300)`);
      const signed = await who.client.storage.from("job-media").createSignedUrl(opened.job.photo_paths[0], 300);
      if (signed.error) s.fail(`photo: ${signed.error.message}`);
      s.check((await fetch(signed.data!.signedUrl)).status === 200, "he can see the photo (he was shown the job)");
      const offer = await s.rpc<Offer>(who.client, "make_offer", {
        p_job_id: job.id, p_price: price, p_proposed_start: inHours(2), p_duration_minutes: 60, p_message: message,
      });
      s.check(offer.status === "pending", `offer of ${money(price)} for ${offer.proposed_start}`);
      return offer;
    });
  }

  n.chapter("Amira accepts Omar and pays into escrow", "Karim is cheaper, but Omar is verified. Accepting books Omar and closes the other offers in one transaction; the booking then needs her card authorised (held, not charged) before Omar can set off.");
  const quoted = await n.step(amira, "compares the offers and asks what Omar's would cost", async (s) => {
    const seen = await s.rpc<{ offers: Array<{ id: string; price: number; status: string }> }>(amira.client, "get_job", { p_job_id: job.id });
    s.check(seen.offers.length === 2 && seen.offers.every((o) => o.status === "pending"), "two offers wait for her", seen.offers);
    const q = await s.invokeOk(amira.client, "quote", { kind: "offer", offer_id: offers.Omar.id });
    const b = q.breakdown as Record<string, number>;
    s.say(`price ${money(b.price)} + service fee ${money(b.service_fee_net + b.service_fee_tax)} = ${money(b.customer_total)} (VAT ${money(b.tax)} included); Omar receives ${money(b.provider_payout)}`);
    s.check(b.customer_total > b.price, "the quote adds the service fee");
    return b;
  });
  const booking = await n.step(amira, "accepts Omar's offer", async (s) => {
    const booked = await s.rpc<Booking>(amira.client, "accept_offer", { p_offer_id: offers.Omar.id });
    s.check(booked.status === "accepted" && booked.price === offers.Omar.price, `booking ${booked.reference}: accepted at ${money(booked.price)}`, booked);
    const karimView = await s.rpc<{ offers: Array<{ status: string }> }>(karim.client, "get_job", { p_job_id: job.id });
    s.check(karimView.offers[0]?.status === "closed", "Karim's offer is closed", karimView.offers);
    return booked;
  });
  const paymentId = await n.step(amira, "pays with her card (authorised into escrow)", async (s) => {
    s.say("(Omar tries to set off before she has paid.)");
    await s.refused(omar.client, "transition_booking", { p_booking_id: booking.id, p_transition: "start_travel" }, "HL624",
      "refused until her payment is authorised");
    const paid = await s.invokeOk(amira.client, "payments/booking", { booking_id: booking.id, payment_method: "pm_card_visa" });
    s.check(paid.status === "authorized" && paid.amount === quoted.customer_total,
      `${money(Number(paid.amount))} authorised on her card (intent ${String(paid.payment_intent).slice(0, 18)}…)`, paid);
    return String(paid.payment_id);
  });

  n.chapter("They chat", "Every booking has a conversation; messages are delivered live by Broadcast from the database on the private topic conversation:<id>, which only the two sides may join.");
  await n.step(amira, "writes to Omar; he reads it live and answers", async (s) => {
    const conv = await s.rpc<{ id: string }>(amira.client, "start_conversation", { p_context_kind: "booking", p_context_id: booking.id });
    const atOmar = await s.listen(omar.client, `conversation:${conv.id}`);
    const atAmira = await s.listen(amira.client, `conversation:${conv.id}`);
    const sent = await s.rpc<{ id: number }>(amira.client, "send_message", {
      p_conversation_id: conv.id, p_body: "Gate code is 4411. Please park by the palm tree.", p_client_key: `demo-${world.run}-1`,
    });
    const got = await s.received(atOmar, "message.created", (p) => (p.message as { id: number }).id === sent.id);
    s.check((got.message as { body: string }).body.startsWith("Gate code"), `Omar's app received message ${sent.id} on the channel`);
    const reply = await s.rpc<{ id: number }>(omar.client, "send_message", {
      p_conversation_id: conv.id, p_body: "Thanks, leaving now.", p_client_key: `demo-${world.run}-2`,
    });
    await s.received(atAmira, "message.created", (p) => (p.message as { id: number }).id === reply.id);
    s.check(true, "Amira's app received his answer");
    await s.rpc(omar.client, "mark_read", { p_conversation_id: conv.id });
    await s.received(atAmira, "message.read", (p) => p.user_id === omar.id);
    s.check(true, "and his read receipt");
  });

  n.chapter("Omar drives over; Amira watches him come", "While the booking is en route, Omar's phone reports GPS fixes with report_location; the database stores the trail, computes the distance and ETA, and broadcasts each stored fix as `location` on booking:<id>, which only the customer, the provider and the business's dispatchers may join.");
  await n.step(omar, "sets off and reports his location on the way", async (s) => {
    const watching = await s.listen(amira.client, `booking:${booking.id}`);
    const moved = await s.rpc<Booking>(omar.client, "transition_booking", { p_booking_id: booking.id, p_transition: "start_travel" });
    s.check(moved.status === "en_route", "en route");
    n.note("A phone records a fix every 5 s (fixes closer than tracking.min_interval_seconds are only kept as the live state). The demo does not drive for real: Omar's phone sends the four fixes it recorded over the last 15 s of the drive, oldest first, each with its recorded_at.");
    const t0 = Date.now() - 15_000;
    const path = [0, 1, 2, 3].map((i) => ({
      ...offset(bases.omar, (home.lat - bases.omar.lat) * 111_320 * (0.55 + 0.15 * i), 0),
      at: new Date(t0 + i * 5_000).toISOString(),
    }));
    path[3] = { ...offset(home, 40, 0), at: path[3].at };
    for (const fix of path) {
      const r = await s.rpc<{ status: string; eta_at: string | null; remaining_m?: number }>(omar.client, "report_location", {
        p_booking_id: booking.id, p_lat: fix.lat, p_lng: fix.lng, p_accuracy: 6, p_speed: 11, p_heading: 180, p_recorded_at: fix.at,
      });
      s.check(r.status === "stored", `fix stored, ETA ${r.eta_at ?? "?"}`, r);
    }
    await s.until("four location events at Amira's", () => watching.received.filter((m) => m.event === "location").length >= 4);
    const last = watching.received.filter((m) => m.event === "location").at(-1)!.payload;
    s.check(Math.abs(Number(last.lat) - path[3].lat) < 1e-6, `Amira's app received all four fixes live; the last one ${Math.round(Number(last.distance_m ?? 0))} m into the drive`, last);
    const arrived = await s.rpc<Booking>(omar.client, "transition_booking", { p_booking_id: booking.id, p_transition: "arrive" });
    s.check(arrived.status === "arrived", "arrived");
    await s.received(watching, "tracking_status", (p) => p.status === "arrived");
    s.check(true, "Amira's app was told he arrived (tracking_status)");
  });

  n.chapter("Start with the code, complete, get paid", "The job starts only with the code Amira's app shows; completion captures the authorised amount. Provider calls go through an outbox that the payments function's worker drains; pg_cron calls it every minute, the demo calls it itself (service role) so nobody waits.");
  await n.step(omar, "starts with Amira's code and completes the job", async (s) => {
    const [code] = await s.rpc<Array<{ code: string; attempts_left: number }>>(amira.client, "get_booking_start_code", { p_booking_id: booking.id });
    s.say(`Amira's app shows the code ${code.code}; she reads it out to Omar.`);
    const started = await s.rpc<Booking>(omar.client, "start_booking", { p_booking_id: booking.id, p_code: code.code });
    s.check(started.status === "in_progress", "in progress");
    const done = await s.rpc<Booking>(omar.client, "transition_booking", { p_booking_id: booking.id, p_transition: "complete" });
    s.check(done.status === "completed", "completed");
  });
  await n.step(world.backOffice, "runs the payments worker (pg_cron's job): the capture", async (s) => {
    const captured = await drainUntil(s, world, "Amira's payment captured", async () => {
      const { data } = await amira.client.from("payments").select("status, amount_captured").eq("id", paymentId).single();
      return data?.status === "captured" ? data : null;
    });
    s.check(captured.amount_captured === quoted.customer_total, `${money(captured.amount_captured)} captured: held in escrow`, captured);
  });
  await n.step(world.studio, "lets the dispute window pass for this booking", async (s) => {
    n.note("Captured money stays in escrow for the dispute window (bookings.dispute_window_minutes, 2 days) so Amira can still dispute. When it has passed, pg_cron's hyperlocal-payment-timers releases it by calling private.release_payment for the payment. The demo cannot wait two days: it makes that one call now, for this payment only, as postgres.");
    s.call(`select b.completed_at + make_interval(mins => private.setting('bookings.dispute_window_minutes')::int) from bookings b …   -- postgres`);
    const windows = await world.sql<{ due: Date }[]>`
      select b.completed_at + pg_catalog.make_interval(mins => (private.setting('bookings.dispute_window_minutes'))::integer) as due
        from public.bookings b where b.id = ${booking.id} and b.status = 'completed'`;
    s.check(windows.length === 1, "the booking is completed");
    s.say(`The timer would release it at ${windows[0].due.toISOString()}.`);
    s.call(`select private.release_payment(${JSON.stringify(paymentId.slice(0, 8) + "…")})   -- postgres: the timer's work at the window's end`);
    const [{ released }] = await world.sql<{ released: boolean }[]>`select private.release_payment(${paymentId}) as released`;
    s.check(released, "escrow released: Omar's share is payable, a payout created");
  });
  await n.step(world.backOffice, "runs the payments worker again: the payout transfer", async (s) => {
    const payout = await drainUntil(s, world, "Omar's payout paid", async () => {
      const { data } = await omar.client.from("payouts").select("status, amount, currency").eq("payment_id", paymentId);
      return data?.[0]?.status === "paid" ? data[0] : null;
    });
    s.check(payout.amount === quoted.provider_payout, `${money(payout.amount)} paid out to Omar's account (his share after commission)`, payout);
  });
  await n.step(omar, "checks his balance", async (s) => {
    const balance = await s.rpc<Array<{ currency: string; paid_out: number; payable: number }>>(omar.client, "my_balance", {});
    const aed = balance.find((b) => b.currency === "AED");
    s.check(aed?.paid_out === quoted.provider_payout && aed.payable === 0, `paid out ${money(aed?.paid_out ?? 0)}, nothing left payable`, balance);
  });
  await n.step(layla, "checks the ledger", async (s) => {
    const check = await s.rpc<{ balanced: boolean }>(layla.client, "ledger_check", {});
    s.check(check.balanced === true, "every ledger transaction balances", check);
  });

  n.chapter("Both review", "Reviews are double-blind: the first stays hidden from the other side until the second is written (or the 14-day window ends); then both are published together.");
  await n.step(amira, "reviews Omar", async (s) => {
    const r = await s.rpc<{ published_at: string | null }>(amira.client, "submit_review", {
      p_kind: "booking", p_trade_id: booking.id, p_rating: 5, p_subratings: { quality: 5, punctuality: 5 }, p_comment: "Fixed in 20 minutes, left it spotless.",
    });
    s.check(r.published_at === null, "her review waits, hidden, for Omar's");
    const seen = await s.rpc<Array<{ author_side: string; written: boolean; rating: number | null }>>(omar.client, "get_trade_reviews", { p_kind: "booking", p_trade_id: booking.id });
    const hers = seen.find((x) => x.author_side === "customer");
    s.check(hers?.written === true && hers.rating === null, "Omar sees that she wrote one, not what it says", hers);
  });
  await n.step(omar, "reviews Amira; both reviews are revealed", async (s) => {
    const r = await s.rpc<{ published_at: string | null }>(omar.client, "submit_review", {
      p_kind: "booking", p_trade_id: booking.id, p_rating: 5, p_subratings: { communication: 5 }, p_comment: "Clear instructions, easy access.",
    });
    s.check(r.published_at !== null, "his review is published, and hers with it");
    const both = await s.rpc<Array<{ author_side: string; rating: number | null; comment: string | null; published_at: string | null }>>(
      amira.client, "get_trade_reviews", { p_kind: "booking", p_trade_id: booking.id });
    s.check(both.length === 2 && both.every((x) => x.published_at && x.rating === 5), "Amira reads both reviews", both);
    const profile = await s.read<Array<{ rating_count: number; rating_avg: number }>>(
      `supabase.from("provider_profiles").select("rating_count, rating_avg").eq("id", omar.id)`,
      amira.client.from("provider_profiles").select("rating_count, rating_avg").eq("id", omar.id));
    s.check(profile[0]?.rating_count === 1 && Number(profile[0].rating_avg) === 5, "Omar's profile now shows 1 rating, 5.00 stars", profile);
  });
}

/**
 * Calls the payments worker as pg_cron does (POST /functions/v1/payments/worker with the service
 * role) until `done` answers; pg_cron may be running it at the same moment, which is harmless.
 */
export async function drainUntil<T>(s: Step, world: World, what: string, done: () => Promise<T | null>): Promise<T> {
  s.call(`service.functions.invoke("payments/worker", { body: {} })   // pg_cron's hyperlocal-payments job, every minute`);
  return s.until(what, async () => {
    const { error } = await world.service.functions.invoke("payments/worker", { body: {} });
    if (error) s.fail(`payments/worker: ${error.message}`);
    const v = await done();
    if (!v) await new Promise((r) => setTimeout(r, 200));
    return v;
  }, 30_000);
}
