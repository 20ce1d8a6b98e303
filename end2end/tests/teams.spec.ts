import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, signInAsAdmin } from "./support";

// The operator organisation has the Helpdesk feature: an admin builds a team.
test.describe.configure({ mode: "serial" });

test("an admin creates a team, adds a member and a manager, and sets its signature", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/teams$/);
  await hydrated(page);
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page.getByText("Give the team a name of 1 to 60 characters, on one line.")).toBeVisible();
  await page.getByLabel("Team name").fill("Billing");
  await page.getByLabel("Description (optional)").fill("Invoices and refunds");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/teams\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Billing" })).toBeVisible();
  await expect(page.getByText("Nobody is in this team yet.")).toBeVisible();

  // The first super-admin is "admin"; add them as manager.
  await page.getByLabel("As").selectOption({ label: "Manager" });
  await page.getByLabel("Find a person").fill("admin");
  const candidates = page.getByRole("list", { name: "People who can be added" });
  await candidates.getByRole("listitem").filter({ hasText: "admin@example.com" }).getByRole("button", { name: "Add" }).click();
  const members = page.getByRole("table", { name: "Members" });
  await expect(members.getByRole("row").filter({ hasText: "admin@example.com" })).toContainText("Manager");
  // The search stays as typed, and the one just added leaves the list.
  await expect(page.getByLabel("Find a person")).toHaveValue("admin");
  await expect(candidates.getByText("Nobody else matches.")).toBeVisible();

  await page.getByLabel("Signature", { exact: true }).fill("Thanks,\n{agent_name}\n{team_name} at {organisation}");
  await page.getByRole("button", { name: "Save signature" }).click();
  await expect(page.getByText("{organisation} is not a placeholder this signature can use")).toBeVisible();
  await page.getByLabel("Signature", { exact: true }).fill("Thanks,\n{agent_name}\n{team_name} at {organisation_name}");
  await page.getByRole("button", { name: "Save signature" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Signature saved." })).toBeVisible();
  await expectAccessible(page);
  await keepScreenshot(page, "60-team");

  await page.getByRole("link", { name: "← Teams" }).click();
  const row = page.getByRole("table", { name: "Teams" }).getByRole("row").filter({ hasText: "Billing" });
  await expect(row).toContainText("1");
  await expectAccessible(page);
  await keepScreenshot(page, "61-teams");
});
