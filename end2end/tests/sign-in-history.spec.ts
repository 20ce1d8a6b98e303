import { expect, test } from "@playwright/test";
import { createWithTemporaryPassword, expectAccessible, hydrated, keepScreenshot, open, signInAsAdmin } from "./support";

// Spotting an attack: failed attempts on an account in the Sign-ins view, the person's sign-ins
// and open sessions on their page, and "Sign out everywhere" ending them.
test.describe.configure({ mode: "serial" });

const SOFIA = "sofia@example.com";

test("an admin reads sign-in history and signs a person out everywhere", async ({ page, browser }) => {
  await signInAsAdmin(page);
  const password = await createWithTemporaryPassword(page, {
    first: "Sofia",
    last: "Kovalevskaya",
    email: SOFIA,
    type: "Viewer",
  });
  const sofiaPage = page.url();

  // Someone tries a wrong password on her account, then she signs in.
  const sofia = await (await browser.newContext()).newPage();
  await open(sofia, "/o/operator/login");
  await sofia.getByLabel("Email", { exact: true }).fill(SOFIA);
  await sofia.getByLabel("Password").fill("a guess that is wrong");
  await sofia.getByRole("button", { name: "Sign in" }).click();
  await expect(sofia.getByRole("alert")).toBeVisible();
  await sofia.getByLabel("Password").fill(password);
  await sofia.getByRole("button", { name: "Sign in" }).click();
  await expect(sofia).toHaveURL(/\/o\/operator\/change-password$/);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign-ins" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/sign-ins$/);
  await hydrated(page);
  const table = page.getByRole("table", { name: "Sign-ins" });
  const attempts = table.getByRole("row").filter({ hasText: SOFIA });
  await expect(attempts).toHaveCount(2);
  await expect(attempts.filter({ hasText: "Wrong password" })).toHaveCount(1);
  await expectAccessible(page);
  await keepScreenshot(page, "94-sign-ins");
  await page.getByText("Failed only").click();
  await expect(page).toHaveURL(/failed=1/);
  await expect(table.getByRole("row").filter({ hasText: SOFIA })).toHaveCount(1);
  await table.getByRole("row").filter({ hasText: SOFIA }).getByRole("link", { name: SOFIA }).click();
  await expect(page).toHaveURL(/email=sofia%40example\.com/);
  await expect(page.getByLabel("Email address typed")).toHaveValue(SOFIA);

  // Her page: the counts, the session she has open, and the way to end it.
  await open(page, sofiaPage);
  const section = page.getByRole("region", { name: "Sign-ins" });
  await expect(section).toContainText("In the last 30 days: 1 successful, 1 failed.");
  await expect(section.getByRole("row").filter({ hasText: "Wrong password" })).toHaveCount(1);
  await expectAccessible(page);
  await keepScreenshot(page, "95-person-sign-ins");
  await section.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(section.getByRole("status")).toContainText("Sessions ended: 1.");
  await expect(section.getByText("Not signed in anywhere.")).toBeVisible();
  await sofia.reload();
  await expect(sofia).toHaveURL(/\/o\/operator\/login/);
});

test("a super-admin gives a member of the admin organisation the support role", async ({ page }) => {
  await signInAsAdmin(page);
  await createWithTemporaryPassword(page, {
    first: "Sam",
    last: "Support",
    email: "sam.support@example.com",
    type: "Agent",
  });
  const card = page.getByRole("region", { name: "Platform role" });
  await card.getByLabel(/Support: may switch into any organisation/).check();
  await card.getByRole("button", { name: "Save platform role" }).click();
  await expect(card.getByRole("status")).toContainText("Platform role saved.");
  await expectAccessible(page);
  await keepScreenshot(page, "96-platform-role");
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("region", { name: "Platform role" }).getByLabel(/Support:/)).toBeChecked();
});
