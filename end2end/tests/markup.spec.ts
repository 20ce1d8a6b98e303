import { expect, test } from "@playwright/test";
import { hydrated, keepScreenshot, open, signInAsAdmin } from "./support";

// Markup typed into a name or a signature is shown as the text it is, in the title and in the
// form, never obeyed: no element appears, no refresh sends the browser elsewhere.
test.describe.configure({ mode: "serial" });

const NAME = "</title><b id=planted>x</b>";
const SIGNATURE = '</textarea><meta http-equiv="refresh" content="0;url=/planted">';

test("a name and a signature holding markup stay text on the pages that show them", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users/new");
  await page.getByLabel("First name").fill(NAME);
  await page.getByLabel("Last name").fill("Probe");
  await page.getByLabel("Email", { exact: true }).fill("probe@example.com");
  await page.getByLabel("User type").selectOption({ label: "Agent" });
  await page.getByRole("checkbox", { name: "Agent", exact: true }).check();
  await page.getByText("Create with a temporary password").click();
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("dialog", { name: "Account created" }).getByRole("button", { name: "I have noted it" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users\/[0-9a-f-]{36}$/);
  const person = page.url();

  // Rendered by the server from scratch, as an admin opening the link would get it.
  await open(page, person);
  await expect(page).toHaveTitle(`${NAME} Probe · Tenantry`);
  await expect(page.locator("#planted")).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${NAME} Probe`);
  await keepScreenshot(page, "80-markup-in-a-name");

  await open(page, "/o/operator/teams");
  await page.getByLabel("Team name").fill("Probes");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/teams\/[0-9a-f-]{36}$/);
  const team = page.url();
  await hydrated(page);
  await page.getByLabel("Signature", { exact: true }).fill(SIGNATURE);
  await page.getByRole("button", { name: "Save signature" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Signature saved." })).toBeVisible();

  await open(page, team);
  await expect(page.getByLabel("Signature", { exact: true })).toHaveValue(SIGNATURE);
  // A refresh planted in the page would have left it by now.
  await page.waitForTimeout(1500);
  await expect(page).toHaveURL(team);
  await expect(page.locator("meta[http-equiv]")).toHaveCount(0);
  await keepScreenshot(page, "81-markup-in-a-signature");
});
