import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, open, signInAsAdmin } from "./support";

// One journey: a custom role is created, given to a new agent, who then has exactly its
// abilities; the role is changed and deleted.
test.describe.configure({ mode: "serial" });

const KEN = "ken@example.com";
const KEN_PASSWORD = "unix was a quiet revolution";

test("an admin creates a custom role and gives it to an agent, who sees exactly the new abilities", async ({ page, browser }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Roles" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/roles$/);
  await hydrated(page);
  const table = page.getByRole("table", { name: "Roles" });
  await expect(table.getByRole("row").filter({ hasText: "Admin" }).first()).toContainText("Built-in");
  await expectAccessible(page);
  await keepScreenshot(page, "50-roles");

  await page.getByRole("link", { name: "+ New role" }).click();
  await hydrated(page);
  await page.getByRole("button", { name: "Create role" }).click();
  await expect(page.getByText("Give the role a name of 1 to 60 characters, on one line.")).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("Auditor");
  await page.getByLabel("Description (optional)").fill("Reads people and the activity log");
  await page.getByRole("checkbox", { name: /See the people in this organisation/ }).check();
  await page.getByRole("checkbox", { name: /Read the activity log/ }).check();
  await expectAccessible(page);
  await keepScreenshot(page, "51-new-role");
  await page.getByRole("button", { name: "Create role" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/roles\/[0-9a-f-]{36}\?created=1$/);
  await expect(page.getByRole("heading", { name: "Auditor" })).toBeVisible();
  await expect(page.getByText("Nobody yet.")).toBeVisible();

  // Ken, an agent with only that role.
  await open(page, "/o/operator/users/new");
  await page.getByLabel("First name").fill("Ken");
  await page.getByLabel("Last name").fill("Thompson");
  await page.getByLabel("Email", { exact: true }).fill(KEN);
  await page.getByLabel("User type").selectOption({ label: "Agent" });
  await page.getByRole("checkbox", { name: "Auditor" }).check();
  await page.getByText("Create with a temporary password").click();
  await page.getByRole("button", { name: "Create account" }).click();
  const dialog = page.getByRole("dialog", { name: "Account created" });
  const password = (await dialog.getByTestId("temporary-password").textContent()) ?? "";
  await dialog.getByRole("button", { name: "I have noted it" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/users\/[0-9a-f-]{36}$/);
  // His page answers "why can Ken do this": each permission with where it comes from.
  const why = page.getByRole("region", { name: "What they can do, and why" });
  await expect(why.getByText("Read the activity log")).toBeVisible();
  await expect(why.getByText("from Role Auditor")).toHaveCount(2);
  await keepScreenshot(page, "55-why-granted");

  const ken = await (await browser.newContext()).newPage();
  await open(ken, "/o/operator/login");
  await ken.getByLabel("Email", { exact: true }).fill(KEN);
  await ken.getByLabel("Password").fill(password);
  await ken.getByRole("button", { name: "Sign in" }).click();
  await expect(ken).toHaveURL(/\/o\/operator\/change-password$/);
  await hydrated(ken);
  await ken.getByLabel("Current or temporary password").fill(password);
  await ken.getByLabel("New password", { exact: true }).fill(KEN_PASSWORD);
  await ken.getByLabel("Repeat the new password").fill(KEN_PASSWORD);
  await ken.getByRole("button", { name: "Save and continue" }).click();
  await expect(ken).toHaveURL(/\/o\/operator$/);
  await hydrated(ken);
  const nav = ken.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Activity" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Roles" })).toHaveCount(0);
  await expect(ken.getByText("Read the activity log")).toBeVisible();
  await expect(ken.getByText("Invite people and create accounts")).toHaveCount(0);
  await keepScreenshot(ken, "52-agent-with-custom-role");

  // The role changes; Ken has the change at his next click.
  await open(page, "/o/operator/roles");
  await page.getByRole("link", { name: "Auditor" }).click();
  await hydrated(page);
  await expect(page.getByRole("link", { name: "Ken Thompson" })).toBeVisible();
  await page.getByRole("checkbox", { name: /Read the activity log/ }).uncheck();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await keepScreenshot(page, "53-role-edited");
  await open(ken, "/o/operator");
  await expect(ken.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" })).toHaveCount(0);

  // Deleting it asks what becomes of Ken: he gets the Viewer role instead.
  await page.getByRole("button", { name: "Delete role" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete Auditor?" });
  await expect(confirm.getByText("1 person holds this role.")).toBeVisible();
  await confirm.getByText("Give them another role instead").click();
  await confirm.getByLabel("Role to give").selectOption({ label: "Viewer" });
  await expectAccessible(page);
  await keepScreenshot(page, "54-delete-role");
  await confirm.getByRole("button", { name: "Delete role" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/roles$/);
  await expect(page.getByRole("table", { name: "Roles" }).getByText("Auditor")).toHaveCount(0);
  await open(page, "/o/operator/users?q=ken");
  await expect(page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: KEN })).toContainText("Viewer");
});
