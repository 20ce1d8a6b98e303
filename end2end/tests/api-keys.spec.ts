import { expect, test } from "@playwright/test";
import { expectAccessible, hydrated, keepScreenshot, open, printedPassword, signInAsAdmin } from "./support";

// An administrator connects a help desk: a key created in Settings (shown once), the product
// reading a team's signature with it over the HTTP API, then the key revoked and refused.
test.describe.configure({ mode: "serial" });

test("an admin creates an API key, a product reads a team signature with it, and revocation stops it", async ({
  page,
  request,
}) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/teams");
  await page.getByLabel("Team name").fill("Escalations");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/teams\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.getByLabel("Signature", { exact: true }).fill("Kind regards,\n{agent_name}\n{team_name}");
  await page.getByRole("button", { name: "Save signature" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Signature saved." })).toBeVisible();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/o\/operator\/settings$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  const keys = page.getByRole("region", { name: "API keys" });

  // Nothing chosen: both problems are named.
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByText("Give the key a name, such as the product that will use it.")).toBeVisible();
  await expect(page.getByText("Choose at least one thing the key may do.")).toBeVisible();

  await page.getByLabel("Name", { exact: true }).fill("Helpdesk replies");
  await page.getByRole("checkbox", { name: /Read teams and the signatures of their replies/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Key “Helpdesk replies” created" });
  await expect(dialog).toBeVisible();
  const secret = (await dialog.getByTestId("api-key-secret").textContent()) ?? "";
  expect(secret).toMatch(/^tnty_[A-Za-z0-9_-]{43}$/);
  await expectAccessible(page);
  await keepScreenshot(page, "74-api-key-created");
  await dialog.getByRole("button", { name: "I have copied it" }).click();
  await expect(dialog).toHaveCount(0);
  const row = keys.getByRole("row").filter({ hasText: "Helpdesk replies" });
  await expect(row).toContainText("Never");
  await expect(row).toContainText(secret.slice(0, 11));
  // The secret itself is never shown again.
  await expect(page.getByText(secret)).toHaveCount(0);

  // The help desk, with the key and no session, reads the team and its signature.
  const auth = { Authorization: `Bearer ${secret}` };
  const teams = await request.get("/api/v1/teams", { headers: auth });
  expect(teams.status()).toBe(200);
  const escalations = (await teams.json()).teams.find((t: { name: string }) => t.name === "Escalations");
  expect(escalations).toBeTruthy();
  const { email } = printedPassword();
  const signed = await request.get(
    `/api/v1/teams/${escalations.id}/signature?agent_email=${encodeURIComponent(email)}`,
    { headers: auth },
  );
  expect(signed.status()).toBe(200);
  const body = await signed.json();
  expect(body.agent.email).toBe(email);
  expect(body.agent.name).not.toBe("");
  expect(body.signature).toBe(`Kind regards,\n${body.agent.name}\nEscalations`);

  // The page now says the key was used; revoking it asks first, then the product is refused.
  await page.reload();
  await hydrated(page);
  await expect(row).toContainText("just now");
  await expectAccessible(page);
  await keepScreenshot(page, "75-api-keys");
  await row.getByRole("button", { name: "Revoke Helpdesk replies" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke Helpdesk replies?" });
  await expect(confirm).toContainText("refused from their next request");
  await expectAccessible(page);
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: "Revoke Helpdesk replies" })).toHaveCount(0);
  const refused = await request.get("/api/v1/teams", { headers: auth });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe("unauthenticated");
  await keepScreenshot(page, "76-api-key-revoked");
});

// An identity provider provisions people through directory sync (SCIM 2.0) with a key whose
// scope the admin chose in Settings; the person's page shows what the directory says, and that
// the directory removed them.
test("a directory provisions and removes a person with a SCIM key, and the person's page shows it", async ({
  page,
  request,
}) => {
  await signInAsAdmin(page);
  await open(page, "/o/operator/settings");
  await page.getByLabel("Name", { exact: true }).fill("Company directory");
  await page.getByRole("checkbox", { name: /Provision people from a directory \(SCIM 2\.0\)/ }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Key “Company directory” created" });
  const secret = (await dialog.getByTestId("api-key-secret").textContent()) ?? "";
  await dialog.getByRole("button", { name: "I have copied it" }).click();

  const headers = { Authorization: `Bearer ${secret}`, "Content-Type": "application/scim+json" };
  const created = await request.post("/scim/v2/Users", {
    headers,
    data: {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "kjohnson",
      name: { givenName: "Katherine", familyName: "Johnson" },
      emails: [{ value: "katherine.johnson@operator.example", type: "work", primary: true }],
      title: "Night shift lead",
      active: true,
    },
  });
  expect(created.status()).toBe(201);
  const person = await created.json();
  expect(person.userName).toBe("kjohnson");

  await open(page, `/o/operator/users/${person.id}`);
  await expect(page.getByRole("heading", { name: "Katherine Johnson", level: 1 })).toBeVisible();
  const directory = page.getByRole("region", { name: "From the directory" });
  await expect(directory).toContainText("Name in the directory");
  await expect(directory).toContainText("kjohnson");
  await expect(directory).toContainText("Night shift lead");
  await expectAccessible(page);
  await keepScreenshot(page, "77-directory-person");

  const removed = await request.delete(`/scim/v2/Users/${person.id}`, { headers });
  expect(removed.status()).toBe(204);
  await page.reload();
  await hydrated(page);
  await expect(directory.getByRole("note")).toContainText("The directory removed this person");
  await expect(page.locator(".person-header")).toContainText("Suspended");
  await expectAccessible(page);
  await keepScreenshot(page, "78-directory-removed");

  // Brought back in the console: invited again, and the directory sees her again.
  await page.locator(".detail-side").getByRole("button", { name: "Reactivate" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reactivate" }).click();
  await expect(page.locator(".person-header")).toContainText("Invited");
  await expect(directory.getByRole("note")).toHaveCount(0);
  const seen = await request.get(`/scim/v2/Users/${person.id}`, { headers });
  expect(seen.status()).toBe(200);
  expect((await seen.json()).active).toBe(true);

  // The admin withdraws her new invitation: the pending account goes, for the directory too.
  await open(page, "/o/operator/users/invitations");
  const pending = page.getByRole("row").filter({ hasText: "katherine.johnson@operator.example" });
  await pending.getByRole("button", { name: /^Revoke/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke invitation" }).click();
  await expect(pending).toHaveCount(0);
  expect((await request.get(`/scim/v2/Users/${person.id}`, { headers })).status()).toBe(404);
});
