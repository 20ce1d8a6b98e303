// Benchmark (not a test): how long a first page takes to become interactive in headless
// Chromium on loopback, for the sign-in page and for the Users page of a signed-in tenant admin.
// "Interactive" is the moment the page's WebAssembly has hydrated it, lazy chunks included
// (app::ui::hydrate sets `data-hydrated` on <body> then), timed from the start of the navigation
// by the page's own clock. Every visit opens a fresh browser context: nothing cached, as for
// someone opening the console for the first time.
//
//   node end2end/bench/interactive.mjs BASE SLUG EMAIL PASSWORD [VISITS]
//
// Prints one line of JSON: {"sign_in": [ms, ...], "users": [ms, ...]}. Run by the
// page_throughput benchmark (`make bench`), which prints the figures against the budget.
import { chromium } from "@playwright/test";
import { chromiumLaunchOptions } from "../chromium.mjs";

const [base, slug, email, password, visitsArg] = process.argv.slice(2);
if (!password) {
  console.error("usage: interactive.mjs BASE SLUG EMAIL PASSWORD [VISITS]");
  process.exit(2);
}
const visits = Number(visitsArg ?? 15);

const browser = await chromium.launch(chromiumLaunchOptions);

// Records, on the page's clock, when <body> gets `data-hydrated` (or `data-panicked`). Runs
// before any script of the page.
function watchHydration() {
  const seen = (name) => document.body && document.body.hasAttribute(name);
  new MutationObserver(() => {
    if (window.__interactiveAt === undefined && seen("data-hydrated")) {
      window.__interactiveAt = performance.now();
    }
    if (seen("data-panicked")) window.__panicked = true;
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated", "data-panicked"] });
}

/** Milliseconds from navigation start until `path` is interactive, in a fresh context. */
async function visit(path, storageState) {
  const context = await browser.newContext({ storageState });
  try {
    const page = await context.newPage();
    await page.addInitScript(watchHydration);
    const answer = await page.goto(base + path);
    if (!answer || !answer.ok()) throw new Error(`${path}: HTTP ${answer && answer.status()}`);
    await page.waitForFunction(() => window.__interactiveAt !== undefined || window.__panicked, null, {
      timeout: 30_000,
      polling: 50,
    });
    if (await page.evaluate(() => window.__panicked === true)) {
      throw new Error(`${path}: the WebAssembly panicked`);
    }
    const url = new URL(page.url());
    if (url.pathname !== path) throw new Error(`${path}: landed on ${url.pathname}`);
    return await page.evaluate(() => window.__interactiveAt);
  } finally {
    await context.close();
  }
}

// A session of the tenant admin: its cookie only, so every Users visit still downloads
// everything.
const signedIn = await browser.newContext();
const answer = await signedIn.request.post(`${base}/api/auth/login`, {
  form: { slug, email, password },
  headers: { origin: base },
  maxRedirects: 0,
});
if (answer.status() >= 400) throw new Error(`sign-in refused: HTTP ${answer.status()}`);
const session = await signedIn.storageState();
await signedIn.close();

const result = { sign_in: [], users: [] };
// One visit of each first, not counted: the server's first answers and Chromium's own start.
await visit(`/o/${slug}/login`);
await visit(`/o/${slug}/users`, session);
for (let i = 0; i < visits; i++) {
  result.sign_in.push(await visit(`/o/${slug}/login`));
  result.users.push(await visit(`/o/${slug}/users`, session));
}
await browser.close();
console.log(JSON.stringify(result));
