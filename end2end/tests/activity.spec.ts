import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { expectAccessible, hydrated, keepScreenshot, open, printedPassword, signInAsAdmin } from "./support";

// A security review: what was done, by whom and to whom, narrowed by action, person and dates,
// a person's own activity on their page; and how long the organisation keeps it.
test.describe.configure({ mode: "serial" });

test("an admin reads the activity log, narrows it, and follows a person's activity", async ({ page }) => {
  await signInAsAdmin(page);
  const { email } = printedPassword();
  // Something to find: a team created now.
  await open(page, "/o/operator/teams");
  await page.getByLabel("Team name").fill("Night shift");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/teams\/[0-9a-f-]{36}$/);

  await open(page, "/o/operator");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/activity$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Activity", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Activity" });
  const newest = table.getByRole("row").nth(1);
  await expect(newest).toContainText("Team created");
  await expect(newest).toContainText("Night shift");
  await expect(newest).toContainText(email);
  await expectAccessible(page);
  await keepScreenshot(page, "90-activity");

  // One kind of action, kept in the address.
  await page.getByLabel("Action").selectOption({ label: "Team created" });
  await expect(page).toHaveURL(/action=team\.created/);
  await expect(table.getByRole("row").filter({ hasText: "Night shift" })).toHaveCount(1);
  await expect(table.getByRole("row").filter({ hasText: "Person invited" })).toHaveCount(0);

  // The person who acted: their name narrows the view, and the chip widens it again.
  await newest.getByRole("cell").nth(1).getByRole("link").click();
  await expect(page).toHaveURL(/actor=[0-9a-f-]{36}/);
  const chip = page.locator(".chip").filter({ hasText: "Done by" });
  await expect(chip).toBeVisible();
  await expect(table.getByRole("row").filter({ hasText: "Night shift" })).toHaveCount(1);
  await keepScreenshot(page, "91-activity-filtered");
  await chip.getByRole("link").click();
  await expect(page).not.toHaveURL(/actor=/);
  await expect(page).toHaveURL(/action=team\.created/);

  // The filtered view downloads as a CSV file.
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^activity-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), "utf8");
  expect(csv.split("\n")[0]).toBe("at,actor,actor_email,actor_organisation,action,action_code,subject,subject_email,changes,ip");
  expect(csv).toContain("Night shift");
  expect(csv).not.toContain("Password changed");

  // Dates: nothing tomorrow; an end before the start is explained.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel("From", { exact: true }).fill(tomorrow);
  await expect(page).toHaveURL(new RegExp(`from=${tomorrow}`));
  await expect(page.getByText("Nothing recorded matches these filters.")).toBeVisible();
  await page.getByLabel("To", { exact: true }).fill(today);
  await expect(page.getByRole("alert")).toContainText("The end date is before the start date.");
  await open(page, "/o/operator/activity");
  await expect(table.getByRole("row").nth(1)).toBeVisible();

  // The person's page: what they did, and the way to all of it.
  await open(page, "/o/operator/users?q=" + encodeURIComponent(email));
  await page.getByRole("row").filter({ hasText: email }).getByRole("link").first().click();
  await hydrated(page);
  const section = page.getByRole("region", { name: "Activity" });
  await expect(section.getByRole("row").filter({ hasText: "Night shift" })).toHaveCount(1);
  await expectAccessible(page);
  await keepScreenshot(page, "92-person-activity");
  await section.getByRole("link", { name: /All activity of/ }).click();
  await expect(page).toHaveURL(/\/activity\?person=[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.locator(".chip").filter({ hasText: "By or to" })).toBeVisible();
});

test("an admin chooses how long activity is kept", async ({ page }) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/settings");
  const form = page.getByRole("form", { name: "Activity history" });
  const days = form.getByLabel("Keep activity for (days)");
  await expect(days).toHaveValue("365");
  await days.fill("7");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByText("Keep activity between 30 and 3650 days.").first()).toBeVisible();
  await expectAccessible(page);
  await days.fill("400");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByRole("status")).toContainText("Activity is kept 400 days.");
  await keepScreenshot(page, "93-activity-retention");
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("form", { name: "Activity history" }).getByLabel("Keep activity for (days)")).toHaveValue(
    "400",
  );
});
