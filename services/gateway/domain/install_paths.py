"""Which install path a brand should take, from what it has connected (the reference's
install assistant): Stripe connected books every payment itself, with one Checkout line for
link attribution; Paddle the same with one Paddle.js line; otherwise the browser loader
(clicks, the referral, leads) with sales reported server-to-server, or coupon codes once a
provider is connected. Pure: the facts come in, the answer (with the text to paste) goes out."""

from __future__ import annotations

from dataclasses import dataclass

from libs.contracts.install_paths import InstallOption, InstallPath, InstallRecommendation


@dataclass(frozen=True, slots=True)
class InstallFacts:
    base_url: str  # the gateway's public address, as the install snippet links it
    org_handle: str
    home_currency: str
    stripe_connected: bool  # the billing state's stripeConnectLinked
    paddle_connected: bool
    loader_snippet: str | None  # the install snippet; None while the org has no live program
    landing_url: str | None  # the tracking settings' landingUrl


STRIPE_CHECKOUT_LINE = (
    "// where your server creates the Checkout Session; `referral` is Rekomi.referral()?.value\n"
    "// sent from the page (null when the visitor came without a referral)\n"
    "const session = await stripe.checkout.sessions.create({\n"
    "  /* ...your line items, mode, success_url... */\n"
    "  client_reference_id: referral,\n"
    "});")
PADDLE_CHECKOUT_LINE = (
    "Paddle.Checkout.open({\n"
    "  /* ...your items... */\n"
    "  customData: { rekomi_ref: Rekomi.referral()?.value },\n"
    "});")


def _connect(base: str, provider: str, secret: str) -> str:
    rest = ',"restrictedApiKey":null' if provider == "stripe" else ""
    return (f"curl -s -X PUT {base}/api/v1/integrations/{provider} "
            '-H "Authorization: Bearer $REKOMI_API_KEY" -H "Content-Type: application/json" '
            f"-d '{{\"webhookSecret\":\"{secret}\"{rest}}}'")


def _s2s_sale(base: str, currency: str) -> str:
    body = ('{"externalEventId":"order_123","affiliateSlug":"SLUG_FROM_Rekomi.referral()",'
            f'"amountCents":9900,"currency":"{currency}"}}')
    return (f"BODY='{body}'\nTS=$(date +%s)\n"
            "SIG=$(printf '%s.%s' \"$TS\" \"$BODY\" | openssl dgst -sha256 -hmac "
            "\"$REKOMI_SIGNING_SECRET\" | sed 's/^.* //')\n"
            f"curl -s -X POST {base}/api/tracking/s2s "
            '-H "Authorization: Bearer $REKOMI_API_KEY" -H "Content-Type: application/json" '
            '-H "X-Rekomi-Signature: t=$TS,sig=$SIG" -d "$BODY"')


def _coupon(base: str) -> str:
    return (f"curl -s -X POST {base}/api/v1/affiliates/AFFILIATE_ID/coupon-codes "
            '-H "Authorization: Bearer $REKOMI_API_KEY" -H "Content-Type: application/json" '
            "-d '{\"code\":\"SARAH20\"}'")


def _options(f: InstallFacts) -> dict[InstallPath, InstallOption]:
    base = f.base_url
    return {
        "stripe": InstallOption(path="stripe", snippet=_connect(base, "stripe", "whsec_..."), when=(
            "You take payments with Stripe: add the webhook endpoint "
            f"{base}/api/integrations/stripe/{f.org_handle} in the Stripe Dashboard, paste its "
            "signing secret here once, and every payment, refund and dispute books itself.")),
        "paddle": InstallOption(path="paddle", snippet=_connect(base, "paddle", "pdl_ntfset_..."),
                                when=(
            "You take payments with Paddle Billing: add the notification destination "
            f"{base}/api/integrations/paddle/{f.org_handle} in Paddle and paste its secret key "
            "here once; transactions and refunds book themselves.")),
        "coupon": InstallOption(path="coupon", snippet=_coupon(base), when=(
            "Affiliates share discount codes: assign each code to its affiliate, and a Stripe "
            "or Paddle checkout that redeems it credits that affiliate with no code on your "
            "site (needs Stripe or Paddle connected).")),
        "pixel": InstallOption(path="pixel", snippet=f.loader_snippet or "", when=(
            "Any site: one tag on every page records affiliate clicks, keeps the referral in a "
            "first-party cookie and records signups as leads with Rekomi.convert({email}).")),
        "s2s": InstallOption(path="s2s", snippet=_s2s_sale(base, f.home_currency), when=(
            "Your server records sales (any provider, or none): post each sale signed with the "
            "org's rks_ signing secret; a sale without affiliateSlug is credited by a lead's "
            "e-mail.")),
    }


def _chosen(f: InstallFacts) -> tuple[InstallPath, str]:
    if f.stripe_connected:
        return "stripe", (
            "Stripe is connected (billing state stripeConnectLinked is true): its checkout "
            "webhooks reach Rekomi, so every payment books a conversion automatically.")
    if f.paddle_connected:
        return "paddle", (
            "Paddle is connected: its transactions reach Rekomi, so every payment books a "
            "conversion automatically.")
    return "pixel", (
        "No payment provider is connected (stripeConnectLinked is false), so no checkout "
        "events reach Rekomi: install the browser loader to record clicks, referrals and "
        "leads, and report sales server-to-server (s2s) or connect Stripe to have them booked "
        "automatically.")


def _steps(path: InstallPath, f: InstallFacts) -> list[str]:
    loader = ("Paste the install snippet (get_install_snippet) into the <head> of every page: it "
              "records affiliate clicks and keeps the visitor's referral for Rekomi.referral().")
    steps = [] if f.loader_snippet else [
        "Create a program first (create_program): the install snippet names its id."]
    if f.landing_url is None:
        steps.append('Set where short links (/r/{slug}) send visitors: PATCH '
                     '/api/v1/settings/tracking {"landingUrl": "https://yourbrand.com"}.')
    if path in ("stripe", "paddle"):
        line = "client_reference_id on the Checkout Session" if path == "stripe" else \
            "customData on Paddle.Checkout.open"
        return [*steps, "Nothing to install for sales: payments book conversions themselves.",
                loader, f"Add the one line below ({line}) so a payment is credited to the "
                "affiliate whose link brought the visitor.",
                "Optional: assign coupon codes to affiliates (coupon alternative)."]
    return [*steps, loader,
            "On signup, call Rekomi.convert({email, name}) to record the lead.",
            "For each sale, run the s2s alternative from your server (affiliateSlug: "
            "Rekomi.referral().slug, passed from the page), or connect Stripe or Paddle."]


def recommend(f: InstallFacts) -> InstallRecommendation:
    path, reason = _chosen(f)
    options = _options(f)
    snippet = {"stripe": STRIPE_CHECKOUT_LINE, "paddle": PADDLE_CHECKOUT_LINE}.get(
        path, options[path].snippet)
    return InstallRecommendation(
        recommended=path, reason=reason, steps=_steps(path, f), snippet=snippet,
        alternatives=[o for p, o in options.items() if p != path])
