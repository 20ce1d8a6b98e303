import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, open, signInAsAdmin } from "./support";

// Runs after sign-in.spec.ts (file names sort "tenants" after "sign-in").
test.describe.configure({ mode: "serial" });

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

test("a super-admin creates an organisation, its address suggested from its name", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/platform/organisations");
  await page.getByRole("link", { name: "+ New organisation" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/platform\/organisations\/new$/);
  await hydrated(page);

  await page.getByLabel("Admin tenant").check();
  await page.getByRole("button", { name: "Create organisation" }).click();
  await expect(page.getByText("Give the organisation a name of 1 to 100 characters.")).toBeVisible();
  await expect(page.getByText("Operator is the admin tenant already, and an instance has only one.")).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "31-new-organisation-errors");

  await page.getByLabel("Name", { exact: true }).fill("Globex Corp");
  await expect(page.getByLabel("Address")).toHaveValue("globex-corp");
  await page.getByLabel("Admin tenant").uncheck();
  await page.getByLabel("Demo").check();
  await page.getByLabel("First name").fill("Hedy");
  await page.getByLabel("Last name").fill("Lamarr");
  await page.getByLabel("Email").fill("hedy@globex.example");
  await page.getByRole("button", { name: "Create organisation" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Organisation created at /o/globex-corp" })).toBeVisible();
  await keepScreenshot(page, "32-new-organisation-created");

  await page.getByRole("link", { name: "Back to Organisations" }).click();
  const row = page.getByRole("table", { name: "Organisations" }).getByRole("row").filter({ hasText: "Globex Corp" });
  await expect(row).toContainText("Demo");
  await expect(row).toContainText("/o/globex-corp");
});
