import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, signInAsAdmin } from "./support";

// Runs after sign-in.spec.ts, which replaces the first super-admin's one-time password.

test("the Users page counts, lists and filters the organisation's people, keeping filters in the URL", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users$/);

  const totals = page.getByRole("region", { name: "Totals" });
  await expect(totals.getByText("Total")).toBeVisible();
  await expect(totals.locator(".stat-card").first()).toContainText(/[1-9]/);
  const table = page.getByRole("table", { name: "Users" });
  const adminRow = table.getByRole("row").filter({ hasText: "admin@example.com" });
  await expect(adminRow).toContainText("Tenant admin");
  await expect(adminRow).toContainText("Admin");
  await expect(adminRow).toContainText("Active");
  await expectAccessible(page);
  await keepScreenshot(page, "10-users");

  await page.getByLabel("Search").fill("zzz");
  await expect(page).toHaveURL(/\/o\/operator\/users\?q=zzz$/);
  await expect(page.getByText("No one matches these filters.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Search")).toHaveValue("zzz");
  await expect(page.getByText("No one matches these filters.")).toBeVisible();
  await keepScreenshot(page, "11-users-no-match");

  await page.getByRole("link", { name: "Clear the filters" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users$/);
  await expect(table.getByRole("row").filter({ hasText: "admin@example.com" })).toBeVisible();

  await page.getByLabel("Status").selectOption({ label: "Suspended" });
  await expect(page).toHaveURL(/status=suspended/);
  await expect(page.getByText("No one matches these filters.")).toBeVisible();
  await page.getByLabel("Status").selectOption({ label: "Active and invited" });
  await page.getByLabel("Role").selectOption({ label: "Admin" });
  await expect(page).toHaveURL(/role=/);
  await expect(table.getByRole("row").filter({ hasText: "admin@example.com" })).toBeVisible();
  await page.getByRole("button", { name: "Refresh" }).click();
  await expect(table.getByRole("row").filter({ hasText: "admin@example.com" })).toBeVisible();
});
