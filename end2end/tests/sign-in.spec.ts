import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, expectAccessible, hydrated, keepScreenshot, open, printedPassword } from "./support";

const NEW_PASSWORD = ADMIN_PASSWORD;

// Later tests sign in with the password the first one chooses.
test.describe.configure({ mode: "serial" });

test.describe.serial("the first super-admin", () => {
  test("signs in with the printed password, must choose a new one, sees the console and signs out", async ({ page }) => {
    const admin = printedPassword();

    await open(page, "/");
    await expectAccessible(page);
    await keepScreenshot(page, "01-start");
    await page.getByLabel("Organisation address").fill("Not A Slug!");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByText("lowercase letters, digits and single hyphens")).toBeVisible();
    await page.getByLabel("Organisation address").fill("operator");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/o\/operator\/login$/);
    await hydrated(page);
    await expectAccessible(page);

    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password", { exact: true }).fill("certainly not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("did not match an active account");
    await keepScreenshot(page, "02-sign-in-refused");

    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/o\/operator\/change-password$/);
    await hydrated(page);
    await expectAccessible(page);

    // The console stays closed until a new password is chosen.
    await page.goto("/o/operator");
    await expect(page).toHaveURL(/\/o\/operator\/change-password$/);
    await hydrated(page);

    await page.getByLabel("Current or temporary password").fill(admin.password);
    await page.getByLabel("New password", { exact: true }).fill("Password1234");
    await page.getByLabel("Repeat the new password").fill("Password1234");
    await page.getByRole("button", { name: "Save and continue" }).click();
    await expect(page.getByText("breached passwords")).toBeVisible();
    await keepScreenshot(page, "03-breached-password-refused");

    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Save and continue" }).click();
    await expect(page).toHaveURL(/\/o\/operator$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Welcome");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const section of ["Overview", "Users", "Teams", "Roles", "Activity", "Settings", "Organisations"]) {
      await expect(nav.getByRole("link", { name: section })).toBeVisible();
    }
    await hydrated(page);
    await expectAccessible(page);
    await keepScreenshot(page, "04-console-light");
    await page.emulateMedia({ colorScheme: "dark" });
    await expectAccessible(page);
    await keepScreenshot(page, "05-console-dark");
    await page.emulateMedia({ colorScheme: "light" });

    await nav.getByRole("link", { name: "Users" }).click();
    await expect(page).toHaveURL(/\/o\/operator\/users$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Users");

    await page.locator(".user-menu summary").click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/o\/operator\/login$/);
    await page.goto("/o/operator/users");
    await expect(page).toHaveURL(/\/o\/operator\/login\?next=/);

    await hydrated(page);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/o\/operator\/users$/);
  });

  test("unknown pages say so", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await hydrated(page);
    await expectAccessible(page);
    await keepScreenshot(page, "06-not-found");
  });
});

test("a session ended in another tab sends this tab to the sign-in page at its next click", async ({ browser }) => {
  const admin = printedPassword();
  const context = await browser.newContext();
  const first = await context.newPage();
  await open(first, "/o/operator/login");
  await first.getByLabel("Email").fill(admin.email);
  await first.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
  await first.getByRole("button", { name: "Sign in" }).click();
  await expect(first).toHaveURL(/\/o\/operator$/);
  await hydrated(first);

  const second = await context.newPage();
  await open(second, "/o/operator");
  await second.locator(".user-menu summary").click();
  await second.getByRole("button", { name: "Sign out" }).click();
  await expect(second).toHaveURL(/\/o\/operator\/login$/);

  await first.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
  await expect(first).toHaveURL(/\/o\/operator\/login\?next=\/o\/operator\/teams$/);
  await expect(first.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await context.close();
});
