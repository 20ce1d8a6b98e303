import { expect, test, type Browser, type Page } from "@playwright/test";
import {
  expectAccessible,
  hydrated,
  keepScreenshot,
  linkFromMail,
  open,
  printedPassword,
  signInAsAdmin,
} from "./support";

// Runs after sign-in.spec.ts, which replaces the first super-admin's one-time password. One
// journey, in order: each step builds on the people the previous one added.
test.describe.configure({ mode: "serial" });

const GRACE = "grace.hopper@example.com";
const GRACE_PASSWORD = "compilers are friendly machines";
const LINUS = "linus@example.com";

async function newPerson(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

test("an admin invites someone, who accepts the emailed invitation and lands signed in", async ({ page, browser }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users");
  await page.getByRole("link", { name: "+ Invite user" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users\/new$/);
  await hydrated(page);
  await expect(page.getByRole("checkbox", { name: "Agent" })).toBeVisible();

  // Every problem is named next to its field, and nothing is created.
  await page.getByLabel("Email", { exact: true }).fill("not an address");
  await page.getByLabel("Time zone (optional)").fill("Mars/Olympus");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText("Enter the person's first name.")).toBeVisible();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expect(page.getByText("Choose at least one role.")).toBeVisible();
  await expect(page.getByText(/Enter a time zone by its IANA name/)).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "20-invite-errors");

  await page.getByLabel("First name").fill("Grace");
  await page.getByLabel("Last name").fill("Hopper");
  await page.getByLabel("Email", { exact: true }).fill(GRACE);
  await page.getByLabel("Time zone (optional)").fill("America/New_York");
  await page.getByLabel("User type").selectOption({ label: "Agent" });
  await page.getByRole("checkbox", { name: "Agent" }).check();
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Invitation sent to ${GRACE}` })).toBeVisible();
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue("");
  await keepScreenshot(page, "21-invite-sent");

  await open(page, "/o/operator/users/invitations");
  const row = page.getByRole("row").filter({ hasText: GRACE });
  await expect(row).toContainText("in 6 days");
  await expect(async () => {
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect(row).toContainText("Sent", { timeout: 1000 });
  }).toPass();
  await expectAccessible(page);
  await keepScreenshot(page, "22-pending-invitations");

  const link = await linkFromMail(GRACE, "/invitation");
  const grace = await newPerson(browser);
  await open(grace, link);
  await expect(grace.getByRole("heading", { name: "Welcome, Grace" })).toBeVisible();
  await expectAccessible(grace);
  await keepScreenshot(grace, "23-accept-invitation");
  await grace.getByLabel("Password", { exact: true }).fill(GRACE_PASSWORD);
  await grace.getByLabel("Repeat the password").fill(GRACE_PASSWORD);
  await grace.getByRole("button", { name: "Join and sign in" }).click();
  await expect(grace).toHaveURL(/\/o\/operator$/);
  await hydrated(grace);
  await expect(grace.getByText("Grace Hopper").first()).toBeVisible();

  // The link worked once; opened again it says so.
  const again = await newPerson(browser);
  await open(again, link);
  await expect(again.getByRole("heading", { name: "This link was already used" })).toBeVisible();
  await keepScreenshot(again, "24-invitation-used");

  await open(page, "/o/operator/users/invitations");
  await expect(page.getByText("No invitations are waiting to be accepted.")).toBeVisible();
});

test("an admin creates an account with a temporary password shown once", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users/new");
  await page.getByLabel("First name").fill("Linus");
  await page.getByLabel("Last name").fill("Torvalds");
  await page.getByLabel("Email", { exact: true }).fill(LINUS);
  await page.getByLabel("User type").selectOption({ label: "Viewer" });
  await page.getByRole("checkbox", { name: "Viewer" }).check();
  await page.getByText("Create with a temporary password").click();
  await page.getByRole("button", { name: "Create account" }).click();
  const dialog = page.getByRole("dialog", { name: "Account created" });
  await expect(dialog).toBeVisible();
  const password = (await dialog.getByTestId("temporary-password").textContent()) ?? "";
  expect(password.length).toBeGreaterThanOrEqual(12);
  await expect(dialog.getByText("shown only this once")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "25-temporary-password");
  await dialog.getByRole("button", { name: "I have noted it" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Linus Torvalds" })).toBeVisible();
  await expect(page.getByText(password)).toHaveCount(0);

  // Linus must replace it at first sign-in.
  const linus = await newPerson(page.context().browser()!);
  await open(linus, "/o/operator/login");
  await linus.getByLabel("Email", { exact: true }).fill(LINUS);
  await linus.getByLabel("Password").fill(password);
  await linus.getByRole("button", { name: "Sign in" }).click();
  await expect(linus).toHaveURL(/\/o\/operator\/change-password$/);
});

test("two admins editing one person: the second save is refused with a clear message", async ({ page, browser }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users?q=grace");
  await page.getByRole("link", { name: "Edit Grace Hopper" }).click();
  await expect(page.getByRole("heading", { name: "Grace Hopper" })).toBeVisible();
  await hydrated(page);
  await expect(page.getByText("The user type is fixed when an account is created")).toBeVisible();
  const url = page.url();

  const other = await browser.newPage({ storageState: await page.context().storageState() });
  await open(other, url);

  await page.getByLabel("Last name").fill("Brewster Hopper");
  await page.getByLabel("Phone (optional)").fill("+1 212 555 0100");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.", { exact: true })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "26-user-saved");

  await other.getByLabel("First name").fill("Amazing Grace");
  await other.getByRole("button", { name: "Save changes" }).click();
  await expect(other.getByRole("alert")).toContainText("Someone else changed this person");
  await keepScreenshot(other, "27-user-conflict");
  await other.getByRole("button", { name: "Reload the current details" }).click();
  await expect(other.getByLabel("Last name")).toHaveValue("Brewster Hopper");
  await expect(other.getByLabel("First name")).toHaveValue("Grace");
});

test("suspending signs the person out at once; reactivating lets them back in", async ({ page, browser }) => {
  await signInAsAdmin(page);
  const grace = await newPerson(browser);
  await open(grace, "/o/operator/login");
  await grace.getByLabel("Email", { exact: true }).fill(GRACE);
  await grace.getByLabel("Password").fill(GRACE_PASSWORD);
  await grace.getByRole("button", { name: "Sign in" }).click();
  await expect(grace).toHaveURL(/\/o\/operator$/);

  await open(page, "/o/operator/users?q=grace");
  const row = page.getByRole("row").filter({ hasText: GRACE });
  // A row's further actions are behind its "More" menu, so the table fits a 1280 px window.
  await row.getByLabel(/More actions for Grace/).click();
  await expectAccessible(page);
  await keepScreenshot(page, "27-row-menu");
  await row.getByRole("button", { name: "Suspend" }).click();
  const dialog = page.getByRole("dialog", { name: /Suspend Grace/ });
  await expect(dialog).toContainText("signed out everywhere at once");
  await expectAccessible(page);
  await keepScreenshot(page, "28-suspend-dialog");
  await dialog.getByRole("button", { name: "Suspend" }).click();
  await expect(dialog).toBeHidden();
  // Suspended people leave the default list; the Suspended filter finds them.
  await expect(row).toHaveCount(0);

  await grace.reload();
  await expect(grace).toHaveURL(/\/o\/operator\/login/);

  await open(page, "/o/operator/users?q=grace&status=suspended");
  const suspended = page.getByRole("row").filter({ hasText: GRACE });
  await suspended.getByLabel(/More actions for Grace/).click();
  await suspended.getByRole("button", { name: "Reactivate" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reactivate" }).click();
  // No longer suspended: gone from this filter, back in the default list.
  await expect(page.getByRole("row").filter({ hasText: GRACE })).toHaveCount(0);
  await open(page, "/o/operator/users?q=grace");
  await expect(page.getByRole("row").filter({ hasText: GRACE })).toContainText("Active");

  await grace.getByLabel("Email", { exact: true }).fill(GRACE);
  await grace.getByLabel("Password").fill(GRACE_PASSWORD);
  await grace.getByRole("button", { name: "Sign in" }).click();
  await expect(grace).toHaveURL(/\/o\/operator$/);
});

test("a reset email signs the person out and its link lets them choose a new password", async ({ page, browser }) => {
  await signInAsAdmin(page);
  const since = Date.now();
  await open(page, "/o/operator/users?q=grace");
  const row = page.getByRole("row").filter({ hasText: GRACE });
  await row.getByLabel(/More actions for Grace/).click();
  await row.getByRole("button", { name: "Reset password" }).click();
  const dialog = page.getByRole("dialog", { name: /Reset the password of Grace/ });
  await expectAccessible(page);
  await keepScreenshot(page, "29-reset-dialog");
  await dialog.getByRole("button", { name: "Reset password" }).click();
  await expect(dialog.getByRole("status")).toContainText(`A reset link is on its way to ${GRACE}`);
  await dialog.getByRole("button", { name: "Done" }).click();

  const link = await linkFromMail(GRACE, "/reset-password", since);
  const grace = await newPerson(browser);
  await open(grace, link);
  await expect(grace.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await expectAccessible(grace);
  await grace.getByLabel("Password", { exact: true }).fill("a fresh and longer phrase");
  await grace.getByLabel("Repeat the password").fill("a fresh and longer phrase");
  await grace.getByRole("button", { name: "Save and sign in" }).click();
  await expect(grace).toHaveURL(/\/o\/operator$/);
});

test("forgot password gives the same answer for any address", async ({ page }) => {
  await open(page, "/o/operator/login");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/forgot-password$/);
  await hydrated(page);
  await expectAccessible(page);
  await page.getByLabel("Email", { exact: true }).fill("nobody-here@example.com");
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account of operator uses that address");
  await keepScreenshot(page, "30-forgot-password-sent");

  const since = Date.now();
  await open(page, "/o/operator/forgot-password");
  await page.getByLabel("Email", { exact: true }).fill(printedPassword().email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account of operator uses that address");
  expect(await linkFromMail(printedPassword().email, "/reset-password", since)).toContain("token=");
});
