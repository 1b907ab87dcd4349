"""Tools for programs, affiliates, their coupon codes and invites, and the install snippet.

Each tool is its REST route (route_tools.py). A tool's description is what the assistant needs
to pick it and call it well (when to use it, the key arguments, what comes back), followed by
the route's own REST description (its rules and errors), so a REST doc fix is an MCP doc fix.

The local views behind list_affiliates, get_affiliate, list_applications, import_affiliates and
invite_affiliate read only the payload and the caller (``request[PRINCIPAL]``, which run_route
sets), never the REST request's path, query, body or headers: the tools run them as they are."""

from __future__ import annotations

from services.gateway.mcp.route_lookup import route
from services.gateway.mcp.route_tools import RouteTool
from services.gateway.mcp.server import Tool

PROGRAM_ID = {"id": "The program's id (UUID), as list_programs or create_program return it."}
AFFILIATE_ID = {"id": "The affiliate's id (UUID), as list_affiliates, get_affiliate or "
                      "create_affiliate return it."}
PAGED = ("Paging: `take` (1-200, default 50) and `cursor` (the previous page's `nextCursor`); "
         "`hasMore` says whether another page follows.")
AFFILIATE = ("An affiliate is returned as {id, programId, email, fullName, status, "
             "customCommissionType, customCommissionValue, tags, notes, source, appliedAt, "
             "approvedAt, createdAt, links: [{id, slug, customAlias, isDefault, format, ...}]}.")
PROGRAM = ("A program is returned with its commission terms (defaultCommissionType "
           "Percentage|Fixed; defaultCommissionValue: a percent, or for Fixed an amount in "
           "major units of the org's currency such as 12.5; defaultCommissionModel Cps "
           "(per sale), Cpl (per lead) or Cpc (per click); cookieWindowDays, recurringMonths, "
           "autoApprove, maxAffiliates, ...), `slug`, `isActive` and `archivedAt`.")
UNKNOWN_AFFILIATE = ("An id that is not one of this organization's affiliates is a "
                     "not-found error.")


def _tool(name: str, method: str, path: str, text: str,
          path_descriptions: dict[str, str] | None = None) -> RouteTool:
    rest = route(method, path)
    return RouteTool(name, rest, f"{text} {rest.description}".strip(), path_descriptions or {})


BRAND_TOOLS: list[Tool] = [
    _tool("list_programs", "GET", "/api/v1/programs",
          "Use it to find a program's id and terms before working with its affiliates, "
          "links or the install snippet (an organization usually has one or a few). Returns "
          "{items: [program], nextCursor, hasMore}; `includeArchived: true` adds archived "
          f"programs. {PAGED} {PROGRAM}"),
    _tool("get_program", "GET", "/api/v1/programs/{id}",
          f"One program by id, with all its terms. {PROGRAM} An id that is not one of this "
          "organization's programs is a `program_not_found` error.", PROGRAM_ID),
    _tool("create_program", "POST", "/api/v1/programs",
          "Creates a program (campaign): the commission terms new affiliates earn under. "
          "Required: `name`, `defaultCommissionType` (Percentage or Fixed) and "
          "`defaultCommissionValue` (0-100 for Percentage; for Fixed an amount in major "
          "units, e.g. 12.5). Optional: `defaultCommissionModel` (default Cps), `slug`, "
          "`cookieWindowDays` (default 30), `recurringMonths` (null: lifetime), "
          "`autoApprove` (approve applicants at once), "
          f"`maxAffiliates`. Returns the created program. {PROGRAM}"),
    _tool("update_program", "PATCH", "/api/v1/programs/{id}",
          "Changes a program's terms or settings: pass the id and only the fields to "
          "change, as in create_program. Returns the whole updated program.", PROGRAM_ID),
    _tool("get_install_snippet", "GET", "/api/v1/r/install-snippet",
          "The HTML snippet to paste into the brand's site so clicks on affiliate links are "
          "tracked (the browser loader with the org's attribution params). `programId` picks "
          "the program (default: the newest active one); leave `withPixel` false. Returns "
          "{snippet, programId, programSlug, withPixel, hasCustomAttributionParams, "
          "customAttributionParams}."),
    _tool("list_affiliates", "GET", "/api/v1/affiliates",
          "Searches the organization's affiliates: filter by `programId`, `status` (Pending, "
          "Approved, Rejected, Paused, Banned) or `q` (part of an email or name). Use it to "
          f"find an affiliate's id. Returns {{items: [affiliate], nextCursor, hasMore}}. "
          f"{PAGED} {AFFILIATE}"),
    _tool("get_affiliate", "GET", "/api/v1/affiliates/{id}",
          f"One affiliate by id, with its status, commission override, tags, notes and "
          f"tracking links. {AFFILIATE} {UNKNOWN_AFFILIATE}", AFFILIATE_ID),
    _tool("create_affiliate", "POST", "/api/v1/affiliates",
          "Adds an affiliate to a program directly (no e-mail is sent; to let the person "
          "accept by e-mail, use invite_affiliate). Required: `programId`, `email`. "
          "Optional: `fullName`, `status` (default Approved), `customAlias` (the slug of "
          "their default link), `customCommissionType` with `customCommissionValue` "
          f"(together: an override of the program's terms). Returns the affiliate with its "
          f"default link. {AFFILIATE}"),
    _tool("update_affiliate", "PATCH", "/api/v1/affiliates/{id}",
          "Changes an affiliate: pass the id and only the fields to change (`fullName`, "
          "`status`, `notes`, `tags` (replaces the list), `customCommissionType` with "
          "`customCommissionValue`; both null clears the override). Returns the whole "
          f"updated affiliate. {UNKNOWN_AFFILIATE}", AFFILIATE_ID),
    _tool("approve_affiliate", "POST", "/api/v1/affiliates/{id}/approve",
          "Approves a Pending (or resumes a Paused) affiliate, so their links earn "
          f"commission. Returns the updated affiliate. {UNKNOWN_AFFILIATE}", AFFILIATE_ID),
    _tool("reject_affiliate", "POST", "/api/v1/affiliates/{id}/reject",
          "Rejects a Pending application; `reason` is optional and kept private (never "
          f"returned). Returns the updated affiliate. {UNKNOWN_AFFILIATE}", AFFILIATE_ID),
    _tool("bulk_affiliate_action", "POST", "/api/v1/affiliates/bulk-action",
          "One action on many affiliates at once: `action` approve, pause or delete, "
          "`affiliateIds` 1-200 ids. Delete cannot be undone. Returns {affected, total, "
          "action}."),
    _tool("list_applications", "GET", "/api/v1/affiliates/applications",
          "The applications waiting for a decision (affiliates with status Pending), to "
          "review with approve_affiliate or reject_affiliate. Filters `programId`, `q`. "
          f"Returns {{items: [affiliate], nextCursor, hasMore}}. {PAGED}"),
    _tool("import_affiliates", "POST", "/api/v1/affiliates/import",
          "Imports an existing roster (a migration from another platform) into one "
          "program: `programId` and `affiliates`, rows of {email, fullName, status, "
          "paypalEmail, slug}. Safe to repeat: emails already in the program are skipped. "
          "Returns the import job: {jobId, status, kind, total, imported, skipped, "
          "errored, reasons: {reason: rows}}."),
    _tool("assign_coupon_code", "POST", "/api/v1/affiliates/{id}/coupon-codes",
          "Gives an affiliate a coupon code (`code`), so a checkout that redeems it credits "
          "them: the install path for brands whose sales come through coupon codes. "
          f"Returns {{id, affiliateId, code, createdAt}}. {UNKNOWN_AFFILIATE}", AFFILIATE_ID),
    _tool("list_coupon_codes", "GET", "/api/v1/affiliates/{id}/coupon-codes",
          "The coupon codes assigned to one affiliate. Returns {items: [{id, affiliateId, "
          "code, createdAt}], nextCursor, hasMore}. " + PAGED + " " + UNKNOWN_AFFILIATE,
          AFFILIATE_ID),
    _tool("invite_affiliate", "POST", "/api/affiliate-invites",
          "E-mails one person an invitation to join a program; they become an affiliate "
          "when they accept. Required: `programId`, `email`. Optional: `fullName`, `slug` "
          "(their future link's slug), `personalNoteHtml`, `autoApprove`, a commission "
          "override (`customCommissionType` with `customCommissionValue`). Returns {invite, "
          "acceptUrl} (the link the e-mail carries)."),
]
