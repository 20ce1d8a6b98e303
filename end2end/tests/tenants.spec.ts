import { expect, test } from "@playwright/test";
import { expectAccessible, keepScreenshot, signInAsAdmin } from "./support";

// Runs after sign-in.spec.ts (file names sort "tenants" after "sign-in"); it only reads.

test("a super-admin sees every organisation of the platform and searches them", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Organisations" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/platform\/organisations$/);
  const table = page.getByRole("table", { name: "Organisations" });
  const operator = table.getByRole("row").filter({ hasText: "/o/operator" });
  await expect(operator).toContainText("Admin tenant");
  await expect(operator).toContainText("Operator");
  await expectAccessible(page);
  await keepScreenshot(page, "30-organisations");

  await page.getByLabel("Search", { exact: true }).fill("zzz");
  await expect(page).toHaveURL(/\/o\/operator\/platform\/organisations\?q=zzz$/);
  await expect(page.getByText("No organisation matches this search.")).toBeVisible();
  await page.getByLabel("Search", { exact: true }).fill("oper");
  await expect(operator).toBeVisible();
});
