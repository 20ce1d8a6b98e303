import { expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The one-time password the server printed for the first super-admin. */
export function printedPassword(): { email: string; password: string } {
  const log = readFileSync(join(__dirname, "..", "test-results", "server.log"), "utf8");
  const email = log.match(/email:\s+(\S+)/)?.[1];
  const password = log.match(/one-time password:\s+(\S+)/)?.[1];
  if (!email || !password) throw new Error(`no one-time password in the server log:\n${log}`);
  return { email, password };
}

/** Opens a page and waits until the WASM has hydrated it, so clicks are handled. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
}

export async function hydrated(page: Page) {
  // The debug WebAssembly is about 10 MB and hydrates once its lazy chunks are in: on a busy
  // machine that can take longer than an assertion's usual five seconds.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 15_000 });
  await expectNoPanic(page);
}

/** Fails when the page's WebAssembly has panicked (a hydration mismatch leaves a page that looks
 * right and no longer answers). */
export async function expectNoPanic(page: Page) {
  expect(await page.locator("body").getAttribute("data-panicked"), "the page's WebAssembly panicked").toBeNull();
}

/** Fails on any axe-core violation, listing them. */
export async function expectAccessible(page: Page) {
  await expectNoPanic(page);
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`,
  );
  expect(summary, "axe-core violations").toEqual([]);
}

/** Keeps a screenshot as a test artifact. */
export async function keepScreenshot(page: Page, name: string) {
  await expectNoPanic(page);
  await page.screenshot({ path: join(__dirname, "..", "test-results", "screenshots", `${name}.png`), fullPage: true });
}

/** The password the first test chooses for the first super-admin; later files sign in with it. */
export const ADMIN_PASSWORD = "a very private sentence of mine";

/** Signs in as the first super-admin (after sign-in.spec.ts has replaced the printed password). */
export async function signInAsAdmin(page: Page) {
  const { email } = printedPassword();
  await open(page, "/o/operator/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/o\/operator$/);
  await hydrated(page);
}

/** The text of a mail file: headers unfolded, quoted-printable decoded. */
function decode(raw: string): string {
  return raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/** Waits for the newest message to `address` in the server's mail folder that `matches`, and returns
 * the first link in it starting with `prefix` (a path such as "/invitation"). */
export async function linkFromMail(address: string, prefix: string, after = 0): Promise<string> {
  const folder = join(__dirname, "..", "test-results", "mail");
  let link: string | undefined;
  await expect
    .poll(() => {
      if (!existsSync(folder)) return undefined;
      const messages = readdirSync(folder)
        .filter((name) => name.endsWith(".eml"))
        .map((name) => ({ path: join(folder, name), at: statSync(join(folder, name)).mtimeMs }))
        .filter((m) => m.at > after)
        .sort((a, b) => b.at - a.at)
        .map((m) => decode(readFileSync(m.path, "utf8")))
        .filter((text) => text.toLowerCase().includes(`to: ${address.toLowerCase()}`));
      const found = messages[0]?.match(new RegExp(`https?://[^/\\s]+${prefix}\\?token=[A-Za-z0-9_-]+`));
      link = found?.[0];
      return link;
    }, { message: `a message to ${address} with a ${prefix} link`, timeout: 15_000 })
    .toBeTruthy();
  return new URL(link!).pathname + new URL(link!).search;
}

/** Creates an account in the operator organisation from the Add user form, with a temporary
 * password; returns the password and leaves the page on the person's page. */
export async function createWithTemporaryPassword(
  page: Page,
  person: { first: string; last: string; email: string; type: string },
): Promise<string> {
  await open(page, "/o/operator/users/new");
  await page.getByLabel("First name").fill(person.first);
  await page.getByLabel("Last name").fill(person.last);
  await page.getByLabel("Email", { exact: true }).fill(person.email);
  await page.getByLabel("User type").selectOption({ label: person.type });
  await page.getByRole("checkbox", { name: "Viewer" }).check();
  await page.getByText("Create with a temporary password").click();
  await page.getByRole("button", { name: "Create account" }).click();
  const created = page.getByRole("dialog", { name: "Account created" });
  const password = (await created.getByTestId("temporary-password").textContent()) ?? "";
  await created.getByRole("button", { name: "I have noted it" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users\/[0-9a-f-]{36}$/);
  await hydrated(page);
  return password;
}
