// The dashboard in headless Chromium against the running platform: signing in and out,
// the approval queue deciding what the pipeline proposed (and what Front and Slack
// show afterwards), roles, forged and ended sessions, CSRF, and every page at desktop
// and phone width (screenshots in $SCREENSHOT_DIR).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import {
  APP, APPROVER, NOT_AN_APPROVER, PLATFORM, addPerson, admin, approvalPending, cardText, csrfOf, d1, desktop,
  finishedRun, frontMessages, launch, makeApproval, openQueueAt, phone, sentReplies, sessionCookie, setSessionCookie,
  shot, signIn, signedCookie, slackClick, slackMessage, tokenOf, unique, waitFor, withPage,
} from "./lib.mjs";

const SECRET = process.env.BETTER_AUTH_SECRET;
/// A test drives the pipeline (seconds to a minute on a loaded machine): never hang the stage.
const SLOW = { timeout: 5 * 60_000 };
/// How long a decision may take to show on the page.
const SHOWN = 15_000;

const norm = (s) => String(s ?? "").replace(/\s+/g, " ").trim();
const article = (page, actionId) => page.locator(`article.approval[data-action-id="${actionId}"]`);
const withStatus = (actionId, status) => `article.approval[data-action-id="${actionId}"][data-status="${status}"]`;

/// A person for this run (`role`, Slack id `slack`), with the password they sign in with.
function person(role, slack) {
  const email = `${unique(`browser-${role}`)}@example.com`;
  const p = { email, role, slack, name: `Browser ${role}`, password: `a long ${role} password ${unique("pw")}` };
  addPerson(p);
  return p;
}

/// Opens any <details> holding the approval's forms, so they can be filled whatever the
/// layout folds away.
const unfold = (locator) => locator.locator("details").evaluateAll((ds) => ds.forEach((d) => { d.open = true; }));

describe("dashboard", () => {
  let browser;
  // The owner decides as the dev app's approver: decisions are their Slack id's.
  let owner;
  let viewer;
  // One approval nobody decides, for the tests that only look or are refused.
  let spare;
  const spareApproval = () => (spare ??= makeApproval());

  before(async () => {
    browser = await launch();
    owner = person("owner", APPROVER);
    viewer = person("viewer", NOT_AN_APPROVER);
  });
  after(async () => {
    await browser?.close();
  });

  test("a signed-out visitor is sent to sign in, and a wrong password is told so", async () => {
    const context = await desktop(browser);
    const r = await context.request.get("/", { maxRedirects: 0 });
    assert.equal(r.status(), 303);
    const location = new URL(r.headers().location, PLATFORM);
    assert.equal(location.pathname, "/sign-in");
    assert.equal(location.searchParams.get("next"), "/");

    await withPage(context, "signed-out", async (page) => {
      await page.goto("/");
      assert.equal(new URL(page.url()).pathname, "/sign-in");
      for (const selector of ["input[name=email]", "input[name=password]", "button[type=submit]"]) {
        assert.equal(await page.locator(`form#sign-in ${selector}`).count(), 1, selector);
      }
      await page.fill("form#sign-in input[name=email]", owner.email);
      await page.fill("form#sign-in input[name=password]", "not the password");
      await page.click("form#sign-in button[type=submit]");
      const error = page.locator(".error");
      await error.first().waitFor();
      assert.match(await error.first().innerText(), /Invalid email or password/);
      assert.equal(new URL(page.url()).pathname, "/sign-in");
      assert.equal(await sessionCookie(page.context()), null, "no session for a failure");
    });
  });

  test("an owner edits the pipeline's reply and approves it: Front sends the edit, Slack says approved", SLOW, async () => {
    const { conversationId, actionId, action } = await makeApproval();
    await withPage(await desktop(browser), "edit-approve", async (page) => {
      await signIn(page, owner.email, owner.password);
      const card = await openQueueAt(page, actionId);
      assert.equal(await card.getAttribute("data-status"), "pending");
      assert.equal(await card.locator(".proposal").count(), action.proposals.length);
      // The first line only: the rest may hold the login-link placeholder, shown as the page likes.
      assert.ok(norm(await card.locator(".reply").first().innerText()).includes(norm(action.reply.split("\n")[0])));
      assert.equal(await card.locator("a.conversation-link").first().getAttribute("href"), `/conversations/${conversationId}`);
      for (const form of ["form.approve", "form.edit", "form.reject"]) {
        assert.equal(await card.locator(`${form} input[name=csrf]`).count(), 1, `${form} has a csrf field`);
        assert.equal(await card.locator(`${form} input[name=argsHash]`).getAttribute("value"), action.argsHash);
      }

      const edited = `Hi Sam, here is a fresh way in, edited in the dashboard. ${unique("edited")}`;
      await unfold(card);
      await card.locator("form.edit textarea[name=reply]").fill(edited);
      await card.locator("form.edit button.edit-approve").click();
      await page.waitForSelector(withStatus(actionId, "approved"), { timeout: SHOWN });
      const decided = norm(await article(page, actionId).locator(".decided").first().innerText());
      assert.match(decided, /dashboard/);
      assert.ok([owner.name, owner.email, APPROVER].some((who) => decided.includes(who)), `the decider in "${decided}"`);

      const sent = await waitFor(async () => {
        const replies = sentReplies(await frontMessages(conversationId));
        return replies.length ? replies : null;
      }, { what: `the reply sent in ${conversationId}` });
      assert.equal(sent.length, 1);
      assert.ok(`${sent[0].body ?? ""} ${sent[0].text ?? ""}`.includes(edited), JSON.stringify(sent[0]));
      await waitFor(async () => /\bApproved\b/.test(cardText(await slackMessage(actionId))), {
        what: `the Slack card of ${actionId} saying approved`,
      });
    });
  });

  test("a rejection with a reason sends nothing, and Slack says rejected", SLOW, async () => {
    const marker = unique("reply");
    const { conversationId, actionId, action } = await makeApproval({
      reply: `Hi Sam,\n\nThanks for asking before you buy. ${marker}\n\nThe team`,
    });
    assert.ok(action.reply.includes(marker), action.reply);
    const reason = `Wrong tone ${unique("reason")}`;
    await withPage(await desktop(browser), "reject", async (page) => {
      await signIn(page, owner.email, owner.password);
      const card = await openQueueAt(page, actionId);
      assert.equal(norm(await card.locator(".reply").first().innerText()), norm(action.reply));
      await unfold(card);
      await card.locator("form.reject input[name=reason]").fill(reason);
      await card.locator("form.reject button.reject").click();
      await page.waitForSelector(withStatus(actionId, "rejected"), { timeout: SHOWN });
      assert.match(await article(page, actionId).locator(".decided").first().innerText(), /dashboard/);
    });
    await waitFor(async () => /\bRejected\b/.test(cardText(await slackMessage(actionId))), {
      what: `the Slack card of ${actionId} saying rejected`,
    });
    const run = await finishedRun("support-request-approval", conversationId);
    assert.equal(run.output?.outcome?.status, "rejected", JSON.stringify(run.output));
    assert.deepEqual(sentReplies(await frontMessages(conversationId)), []);
    // The reason is kept as Slack's is: apart, with the decision.
    const trail = await admin(`/admin/audit?action=${actionId}`);
    const decision = trail.entries.find((e) => e.kind === "decision" && e.name === "rejected");
    assert.equal(decision?.sensitive?.reason, reason, JSON.stringify(decision));
  });

  test("a decision made in Slack shows on the open queue without a reload", SLOW, async () => {
    const { actionId } = await makeApproval();
    await withPage(await desktop(browser), "slack-decides", async (page) => {
      await signIn(page, owner.email, owner.password);
      assert.equal(await (await openQueueAt(page, actionId)).getAttribute("data-status"), "pending");
      await page.evaluate(() => { window.__sameDocument = true; });
      const clicked = await slackClick(actionId, "approve", APPROVER);
      assert.equal(clicked.status, 200, JSON.stringify(clicked));
      await page.waitForSelector(withStatus(actionId, "approved"), { timeout: SHOWN });
      assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    });
  });

  test("a viewer sees the queue but cannot decide", SLOW, async () => {
    const { actionId, action } = await spareApproval();
    await withPage(await desktop(browser), "viewer", async (page) => {
      await signIn(page, viewer.email, viewer.password);
      const card = await openQueueAt(page, actionId);
      for (const form of ["form.approve", "form.edit", "form.reject"]) {
        assert.equal(await card.locator(form).count(), 0, `a viewer has no ${form}`);
      }
      const r = await page.request.post(`/approvals/${actionId}/approve`, {
        form: { csrf: await csrfOf(page), argsHash: action.argsHash },
        headers: { origin: PLATFORM },
        maxRedirects: 0,
      });
      assert.equal(r.status(), 403);
    });
    assert.ok(await approvalPending(actionId), "still pending");
  });

  test("forged, ended and expired session cookies are refused", async () => {
    // Where a browser holding only this cookie value lands when it opens the queue.
    const lands = async (value) => {
      const context = await desktop(browser);
      await setSessionCookie(context, value);
      return withPage(context, "cookie", async (page) => {
        await page.goto("/");
        return new URL(page.url()).pathname;
      });
    };

    const context = await desktop(browser);
    await withPage(context, "sessions", async (page) => {
      await signIn(page, owner.email, owner.password);
      const value = await sessionCookie(context);
      const token = tokenOf(value);
      // Our signing is BetterAuth's: the right secret opens the queue, another does not.
      assert.equal(await lands(signedCookie(token, SECRET)), "/");
      assert.equal(await lands(signedCookie(token, `not-the-secret-${SECRET}`)), "/sign-in");
      assert.equal(await lands(encodeURIComponent(token)), "/sign-in", "an unsigned token");

      // Signing out ends the session: the old cookie value opens nothing.
      await page.locator("form#sign-out").locator("button, input[type=submit]").first().click();
      await page.waitForURL((url) => url.pathname !== "/");
      await page.goto("/");
      assert.equal(new URL(page.url()).pathname, "/sign-in");
      assert.equal(await lands(value), "/sign-in");
    });

    // A session past its expiry opens nothing, though its cookie is well signed.
    const again = await desktop(browser);
    await withPage(again, "expired", async (page) => {
      await signIn(page, owner.email, owner.password);
      const value = await sessionCookie(again);
      d1(`UPDATE "session" SET "expiresAt" = '2000-01-01T00:00:00.000Z' WHERE "token" = '${tokenOf(value).replaceAll("'", "''")}'`);
      assert.equal(await lands(value), "/sign-in");
    });
  });

  test("a form posted without its csrf field is refused", SLOW, async () => {
    const { actionId, action } = await spareApproval();
    await withPage(await desktop(browser), "csrf", async (page) => {
      await signIn(page, owner.email, owner.password);
      const post = (path, form) => page.request.post(path, { form, headers: { origin: PLATFORM }, maxRedirects: 0 });
      assert.equal((await post(`/approvals/${actionId}/approve`, { argsHash: action.argsHash })).status(), 403);
      assert.equal((await post(`/approvals/${actionId}/approve`, { argsHash: action.argsHash, csrf: "forged" })).status(), 403);
      assert.ok(await approvalPending(actionId), "still pending");
      assert.equal((await post("/sign-out", {})).status(), 403);
      await page.goto("/");
      assert.equal(new URL(page.url()).pathname, "/", "still signed in");
      // The same form with its field works.
      await page.locator("form#sign-out").locator("button, input[type=submit]").first().click();
      await page.waitForURL((url) => url.pathname !== "/");
      await page.goto("/");
      assert.equal(new URL(page.url()).pathname, "/sign-in");
    });
  });

  test("every page has its parts and the navigation", SLOW, async () => {
    const { conversationId } = await spareApproval();
    await withPage(await desktop(browser), "parts", async (page) => {
      await signIn(page, owner.email, owner.password);
      const pages = {
        "/": ["section#queue", "form#filters select[name=app]", "form#filters select[name=category]"],
        [`/conversations/${conversationId}`]: ["main#conversation", "main#conversation .trail li", "a.front-link"],
        "/audit": [
          "table#audit tbody tr", "a#csv",
          ...["select[name=kind]", "input[name=actor]", "select[name=app]", "select[name=outcome]", "input[name=from]", "input[name=to]"]
            .map((field) => `form#audit-filters ${field}`),
        ],
        "/apps": [`table#apps tbody tr[data-app="${APP}"]`, "form#register-app", "form.rotate-secret", "form.health"],
        "/trust": [`section.card[data-app="${APP}"]`, `section.card[data-app="${APP}"] table.figures`],
        "/people": [
          `table#people tbody tr[data-email="${owner.email}"]`, "form.change-person select[name=role]",
          "form.change-person input[name=slack]", "form.revoke-sessions",
          ...["input[name=email]", "input[name=name]", "select[name=role]", "input[name=slack]"].map((f) => `form#invite ${f}`),
        ],
      };
      for (const [path, selectors] of Object.entries(pages)) {
        await page.goto(path);
        assert.equal(new URL(page.url()).pathname, path);
        for (const href of ["/", "/audit", "/trust", "/apps", "/people"]) {
          assert.ok(await page.locator(`nav a[href="${href}"]`).count() >= 1, `${path}: nav links ${href}`);
        }
        assert.equal(await page.locator("form#sign-out input[name=csrf]").count(), 1, `${path}: sign-out form`);
        for (const selector of selectors) {
          assert.ok(await page.locator(selector).count() >= 1, `${path}: ${selector}`);
        }
      }

      // The audit as CSV, and the next page when there is one.
      await page.goto("/audit");
      const csv = await page.locator("a#csv").getAttribute("href");
      assert.match(csv, /^\/audit\.csv\?/);
      const r = await page.request.get(csv);
      assert.equal(r.status(), 200);
      assert.match(r.headers()["content-type"], /^text\/csv/);
      const next = page.locator("a.next-page");
      if (await next.count()) assert.match(await next.getAttribute("href"), /^\/audit\?/);
    });
    // A viewer is shown no owner's forms.
    await withPage(await desktop(browser), "parts-viewer", async (page) => {
      await signIn(page, viewer.email, viewer.password);
      await page.goto("/apps");
      assert.equal(await page.locator("form#register-app, form.rotate-secret").count(), 0);
      await page.goto("/people");
      assert.equal(await page.locator("form#invite, form.change-person, form.revoke-sessions").count(), 0);
    });
  });

  test("an owner switches auto-send on and off on the Trust page where trust allows; a viewer only reads why", SLOW, async () => {
    // Thresholds any category meets, and a switch row so the category is listed.
    d1(`UPDATE apps SET settings = json_set(settings, '$.autosend', json('{"minTrust":0,"minSamples":0}')) WHERE slug = 'other-app'`);
    d1(`INSERT INTO autosend (app_id, category, enabled, changed_by, changed_at) VALUES ('other-app', 'support_billing', 0, 'browser-test', 0)
        ON CONFLICT (app_id, category) DO UPDATE SET enabled = 0`);
    const row = `section.card[data-app="other-app"] div.category[data-category="support_billing"]`;
    try {
      await withPage(await desktop(browser), "trust-viewer", async (page) => {
        await signIn(page, viewer.email, viewer.password);
        await page.goto("/trust");
        assert.equal(await page.locator(`${row} form`).count(), 0, "a viewer has no switch");
        assert.match(norm(await page.locator(row).textContent()), /an owner can switch it on/);
      });
      await withPage(await desktop(browser), "trust-owner", async (page) => {
        await signIn(page, owner.email, owner.password);
        await page.goto("/trust");
        assert.equal(await page.locator(`${row} svg.chart`).count(), 1);
        await Promise.all([page.waitForLoadState(), page.click(`${row} form button:has-text("Switch on")`)]);
        assert.match(norm(await page.locator("p.notice[role=status]").textContent()), /Auto-send is on for support_billing/);
        assert.match(norm(await page.locator(row).textContent()), /auto-send on by .*@example\.com/);
        await shot(page, "trust-switched-on");
        await Promise.all([page.waitForLoadState(), page.click(`${row} form button:has-text("Switch off")`)]);
        assert.match(norm(await page.locator("p.notice[role=status]").textContent()), /Auto-send is off for support_billing/);
      });
      // Each change is in the audit log under the owner's email.
      const changes = d1(`SELECT name, input FROM audit_log WHERE kind = 'admin' AND name LIKE 'auto-send%'`)
        .filter((e) => JSON.parse(e.input).by === owner.email);
      assert.deepEqual(changes.map((e) => e.name).sort(), ["auto-send off", "auto-send on"]);
    } finally {
      d1(`UPDATE apps SET settings = json_remove(settings, '$.autosend') WHERE slug = 'other-app'`);
      d1(`UPDATE autosend SET enabled = 0 WHERE app_id = 'other-app'`);
    }
  });

  test("an invited person sets a password and is signed in", SLOW, async () => {
    const email = `${unique("browser-invited")}@example.com`;
    let link;
    await withPage(await desktop(browser), "invite", async (page) => {
      await signIn(page, owner.email, owner.password);
      await page.goto("/people");
      await page.fill("form#invite input[name=email]", email);
      await page.fill("form#invite input[name=name]", "Browser Invited");
      await page.selectOption("form#invite select[name=role]", "viewer");
      await page.locator("form#invite").locator("button, input[type=submit]").first().click();
      const once = page.locator(".secret-once");
      await once.first().waitFor();
      link = (await once.first().innerText()).match(/\/invite\/[^\s"'<>]+/)?.[0];
      assert.ok(link, await once.first().innerText());
    });
    await withPage(await desktop(browser), "accept-invite", async (page) => {
      await page.goto(link);
      await page.fill("form#accept-invite input[name=password]", `the invited one's password ${unique("pw")}`);
      await Promise.all([
        page.waitForURL((url) => url.pathname === "/"),
        page.locator("form#accept-invite").locator("button, input[type=submit]").first().click(),
      ]);
      await page.goto("/people");
      assert.equal(await page.locator(`table#people tbody tr[data-email="${email}"]`).count(), 1);
      // An invitation opens once.
      const reused = await page.context().request.get(link, { maxRedirects: 0 });
      assert.ok(reused.status() >= 400 || (await reused.text()).indexOf("accept-invite") === -1, `reused invite: ${reused.status()}`);
    });
  });

  test("an owner registers an app, sees its secret once, and rotates it in two steps, each audited", SLOW, async () => {
    const slug = unique("browser-app").toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40);
    await withPage(await desktop(browser), "apps", async (page) => {
      await signIn(page, owner.email, owner.password);
      await page.goto("/apps");
      await page.fill("form#register-app input[name=slug]", slug);
      await page.fill("form#register-app input[name=name]", "Browser App");
      await page.fill("form#register-app input[name=integrationUrl]", "https://browser-app.example/api/support");
      await page.fill("form#register-app input[name=approvers]", APPROVER);
      await page.locator("form#register-app button[type=submit]").click();
      const secretOf = async () => (await page.locator(".secret-once code").first().innerText()).trim();
      await page.locator(".secret-once").waitFor();
      const first = await secretOf();
      assert.match(first, /^whsec_/);
      const row = page.locator(`table#apps tbody tr[data-app="${slug}"]`);
      assert.equal(await row.count(), 1);
      assert.match(norm(await row.innerText()), /one, current/);
      // Shown once: the page drawn again holds no secret.
      await page.goto("/apps");
      assert.equal(await page.locator(".secret-once").count(), 0);
      assert.ok(!(await page.content()).includes(first), "the secret is never shown again");

      // Rotation, step one: a new secret, and both sign until the rotation is finished.
      await row.locator("form.rotate-secret button").click();
      await page.locator(".secret-once").waitFor();
      const second = await secretOf();
      assert.match(second, /^whsec_/);
      assert.notEqual(second, first);
      assert.match(norm(await row.innerText()), /rotating/);
      assert.equal(await row.locator("form.rotate-secret").count(), 0, "one rotation at a time");
      // Step two: only the new secret signs.
      await row.locator("form.finish-rotation button").click();
      await page.locator(".notice").waitFor();
      assert.match(norm(await row.innerText()), /one, current/);

      // Each change is in the audit log under the owner.
      await page.goto(`/audit?${new URLSearchParams({ actor: owner.email, kind: "admin" })}`);
      const names = norm(await page.locator("table#audit tbody").innerText());
      for (const what of ["app registered", "sdk secret rotation started", "sdk secret rotation finished"]) {
        assert.ok(names.includes(what), `audit lacks ${what}: ${names}`);
      }
    });
  });

  test("screenshots of every page at desktop and phone width, with no sideways scrolling on a phone", SLOW, async () => {
    const { conversationId } = await spareApproval();
    const pages = {
      queue: "/", conversation: `/conversations/${conversationId}`, audit: "/audit", trust: "/trust", apps: "/apps",
      people: "/people",
    };
    for (const [size, make] of [["desktop", desktop], ["phone", phone]]) {
      await withPage(await make(browser), `shots-${size}`, async (page) => {
        const capture = async (name) => {
          const file = await shot(page, `${name}-${size}`);
          assert.ok(statSync(file).size > 0, file);
          if (size === "phone") {
            const width = await page.evaluate(() => document.documentElement.scrollWidth);
            assert.ok(width <= 390 + 1, `${name} is ${width} px wide on a 390 px phone`);
          }
        };
        await page.goto("/sign-in");
        await capture("sign-in");
        await signIn(page, owner.email, owner.password);
        for (const [name, path] of Object.entries(pages)) {
          await page.goto(path);
          assert.equal(new URL(page.url()).pathname, path);
          await capture(name);
        }
      });
    }
  });
});
