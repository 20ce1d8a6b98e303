import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { expectAccessible, hydrated, keepScreenshot, open, signInAsAdmin } from "./support";

// Runs after sign-in.spec.ts, which replaces the first super-admin's one-time password. In order:
// the list first, then the bulk actions that add and suspend people.
test.describe.configure({ mode: "serial" });

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

  // The filtered list downloads as a CSV file.
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^people-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = readFileSync(await download.path(), "utf8").trim().split("\n");
  expect(lines[0]).toBe("first_name,last_name,email,user_type,status,roles,phone,external_id,timezone,last_sign_in,added");
  expect(lines.some((line) => line.includes("admin@example.com") && line.includes("Admin"))).toBe(true);
});

function csv(name: string, text: string) {
  return { name, mimeType: "text/csv", buffer: Buffer.from(text) };
}

const HEADER = "email,first_name,last_name,roles,user_type\n";
const GOOD =
  HEADER +
  "barbara@example.com,Barbara,Liskov,Agent,agent\n" +
  "edsger@example.com,Edsger,Dijkstra,Agent; Viewer,supervisor\n" +
  "frances@example.com,Frances,Allen,Viewer,viewer\n";

test("an admin imports people from a CSV file: reviewed line by line, then invited at once", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users");
  await page.getByRole("link", { name: "Import from CSV" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users\/import$/);
  await hydrated(page);
  await expect(page.getByRole("link", { name: "Download the template" })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "40-import");

  // A file with problems: every line to fix is named, and nothing can be sent.
  await page
    .getByLabel("CSV file")
    .setInputFiles(csv("team.csv", GOOD + "not-an-address,Bad,Line,Agent,\nken@example.com,Ken,Thompson,Janitor,\n"));
  const fix = page.getByRole("table", { name: "Lines to fix" });
  await expect(fix.getByRole("row").filter({ hasText: "not-an-address" })).toContainText("5");
  await expect(fix).toContainText('There is no role named "Janitor"');
  await expect(page.getByText("team.csv: 5 people — 3 ready, 2 with problems.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send 3 invitations" })).toBeDisabled();
  await expectAccessible(page);
  await keepScreenshot(page, "41-import-problems");

  // The corrected file: a preview, then every invitation at once.
  await page.getByLabel("CSV file").setInputFiles(csv("team.csv", GOOD));
  const ready = page.getByRole("table", { name: "Ready to invite" });
  await expect(ready.getByRole("row").filter({ hasText: "edsger@example.com" })).toContainText("Supervisor");
  await keepScreenshot(page, "42-import-review");
  await page.getByRole("button", { name: "Send 3 invitations" }).click();
  await expect(page.getByRole("status").filter({ hasText: "3 invitations sent." })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "43-import-sent");
  await page.getByRole("link", { name: "See pending invitations" }).click();
  await expect(page.getByRole("row").filter({ hasText: "frances@example.com" })).toBeVisible();
});

test("an admin ticks several people on the list and suspends them together", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users");
  const table = page.getByRole("table", { name: "Users" });
  await page.getByRole("checkbox", { name: "Select Barbara Liskov" }).check();
  await page.getByRole("checkbox", { name: "Select Frances Allen" }).check();
  const bar = page.getByRole("region", { name: "Selected people" });
  await expect(bar).toContainText("2 selected");
  await expectAccessible(page);
  await keepScreenshot(page, "44-bulk-selected");
  await bar.getByRole("button", { name: "Suspend selected" }).click();
  const dialog = page.getByRole("dialog", { name: "Suspend 2 people?" });
  await expect(dialog).toContainText("barbara@example.com");
  await expectAccessible(page);
  await keepScreenshot(page, "45-bulk-confirm");
  await dialog.getByRole("button", { name: "Suspend 2" }).click();
  await expect(dialog).toBeHidden();
  await expect(bar).toBeHidden();
  // The default list leaves suspended people out; the Suspended filter shows them.
  await expect(table.getByRole("row").filter({ hasText: "barbara@example.com" })).toHaveCount(0);
  await expect(table.getByRole("row").filter({ hasText: "edsger@example.com" })).toBeVisible();
  await page.getByLabel("Status").selectOption({ label: "Suspended" });
  await expect(table.getByRole("row").filter({ hasText: "frances@example.com" })).toContainText("Suspended");

  // Reactivated together, then given a role together.
  await page.getByRole("checkbox", { name: "Select Barbara Liskov" }).check();
  await page.getByRole("checkbox", { name: "Select Frances Allen" }).check();
  await bar.getByRole("button", { name: "Reactivate" }).click();
  const back = page.getByRole("dialog", { name: "Reactivate 2 selected?" });
  await back.getByRole("button", { name: "Reactivate them" }).click();
  await expect(back).toBeHidden();
  await page.getByLabel("Status").selectOption({ label: "Active and invited" });
  await expect(table.getByRole("row").filter({ hasText: "frances@example.com" })).toBeVisible();
  await page.getByRole("checkbox", { name: "Select Barbara Liskov" }).check();
  await page.getByRole("checkbox", { name: "Select Frances Allen" }).check();
  await bar.getByRole("button", { name: "Add a role" }).click();
  const give = page.getByRole("dialog", { name: "Add a role to 2 selected" });
  await give.getByLabel("Role").selectOption({ label: "Viewer" });
  await expectAccessible(page);
  await keepScreenshot(page, "46-bulk-add-role");
  await give.getByRole("button", { name: "Add the role" }).click();
  await expect(give).toBeHidden();
  await expect(table.getByRole("row").filter({ hasText: "barbara@example.com" })).toContainText("Viewer");
  await expect(table.getByRole("row").filter({ hasText: "frances@example.com" })).toContainText("Viewer");
});

test("an admin gives someone access until a date, seen and found on the list", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users?q=edsger");
  await page.getByRole("link", { name: /^Edit / }).first().click();
  await hydrated(page);
  const lastDay = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const past = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const field = page.getByLabel("Access until (optional)");
  await field.fill(past);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("access cannot end in the past")).toBeVisible();
  await field.fill(lastDay);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await open(page, "/o/operator/users");
  await page.getByText("Access ending within 30 days").click();
  await expect(page).toHaveURL(/access=ending/);
  const table = page.getByRole("table", { name: "Users" });
  const row = table.getByRole("row").filter({ hasText: "edsger@example.com" });
  await expect(row).toContainText("until ");
  await expect(table.getByRole("row")).toHaveCount(2);
  await expectAccessible(page);
  await keepScreenshot(page, "47-access-ending");
});

test("an admin gives someone a new user type: a new account replaces the old one", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/users?q=edsger");
  await page.getByRole("link", { name: /^Edit / }).first().click();
  await hydrated(page);
  const oldPage = page.url();
  await page.getByRole("region", { name: "User type" }).getByRole("button", { name: "Give a new user type" }).click();
  const dialog = page.getByRole("dialog", { name: /Give .* a new user type/ });
  await expect(dialog).toContainText("same address, name, roles and teams");
  await dialog.getByLabel("New user type").selectOption({ label: "Viewer" });
  await expectAccessible(page);
  await keepScreenshot(page, "48-new-user-type");
  await dialog.getByRole("button", { name: "Replace the account" }).click();
  await expect(page).not.toHaveURL(oldPage);
  await expect(page).toHaveURL(/\/o\/operator\/users\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.locator(".page-header")).toContainText("Viewer");
  await expect(page.locator(".page-header")).toContainText("Invited");
  // The old account stays, suspended, with its history.
  await open(page, "/o/operator/users?q=edsger&status=all");
  const rows = page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: "edsger@example.com" });
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "Suspended" })).toHaveCount(1);
});
