import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, open, signInAsAdmin } from "./support";

// Runs after users.spec.ts (file names sort "users_bulk" after "users."), so the people it adds
// and suspends do not change what that file counts.
test.describe.configure({ mode: "serial" });

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
});
