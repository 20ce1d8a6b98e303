//! Synthetic data for demo organisations: people of every type and status, a custom role, two
//! teams, sign-in history and an activity trail, so a prospect sees a lived-in console. Addresses are under the
//! reserved `.example` domain and nobody is emailed.

use super::{audit, now, people::NewUser, ServiceResult};
use crate::services::audit::AuditAction;
use crate::{
    entities::{
        audit_event, login_event, organisation, role, role_permission, team, team_member, user,
        user_role,
    },
    model::{Permission, PlatformRole, RoleTemplate, UserStatus, UserType},
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sea_orm::{prelude::*, ActiveValue::Set, DatabaseTransaction};

const FIRST_NAMES: &[&str] = &[
    "Amara", "Bruno", "Chloé", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Idris", "Jonas",
    "Keiko", "Lars", "Maya", "Nikolai", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tomás", "Uma",
    "Viktor", "Wen", "Yusuf",
];

const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Petrov",
    "Yılmaz",
    "Haddad",
    "Silva",
    "Tanaka",
    "Mensah",
    "Becker",
    "Sato",
    "Nilsen",
    "Cohen",
    "Ivanova",
    "Adeyemi",
    "Sharma",
    "Dubois",
    "García",
    "Berg",
    "Costa",
    "Kapoor",
    "Novak",
    "Zhang",
    "Demir",
];

/// How many synthetic people a demo organisation gets.
pub const DEMO_PEOPLE: usize = 24;

/// (type, status) of each synthetic person, in order: every type and every status appears.
fn profile(i: usize) -> (UserType, UserStatus) {
    let user_type = match i % 8 {
        0 => UserType::Supervisor,
        1..=3 => UserType::Agent,
        4 => UserType::Analyst,
        5 => UserType::Viewer,
        6 => UserType::BotAdmin,
        _ => UserType::TenantAdmin,
    };
    let status = match i {
        3 | 11 | 19 => UserStatus::Invited,
        5 | 14 => UserStatus::Suspended,
        _ => UserStatus::Active,
    };
    (user_type, status)
}

/// How many synthetic people take a seat (invited or active).
pub fn seats_needed() -> u64 {
    (0..DEMO_PEOPLE)
        .filter(|i| profile(*i).1 != UserStatus::Suspended)
        .count() as u64
}

/// Fills the new demo organisation `org` inside `txn`. `actor` is the super-admin creating it,
/// named in the activity trail as the one who set it up.
pub async fn fill(
    txn: &DatabaseTransaction,
    org: &organisation::Model,
    actor_id: Uuid,
    actor_home: Uuid,
) -> ServiceResult<()> {
    super::licence::reserve_seats(txn, seats_needed()).await?;
    // The same organisation always gets the same people.
    let mut rng = StdRng::seed_from_u64(org.id.as_u128() as u64);
    let at = now();
    let team_lead = role::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(org.id),
        name: Set("Team lead".into()),
        description: Set("Agents who look after a team's people and reports".into()),
        template: Set(None),
        created_at: Set(at - chrono::Duration::days(60)),
        version: Set(1),
        updated_at: Set(at - chrono::Duration::days(60)),
    }
    .insert(txn)
    .await?;
    role_permission::Entity::insert_many(
        [
            Permission::UsersView,
            Permission::TicketsViewAll,
            Permission::AnalyticsView,
            Permission::MacrosManage,
        ]
        .iter()
        .map(|p| role_permission::ActiveModel {
            role_id: Set(team_lead.id),
            permission: Set(p.code().to_string()),
        }),
    )
    .exec_without_returning(txn)
    .await?;
    let templates: Vec<role::Model> = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(org.id))
        .filter(role::Column::Template.is_not_null())
        .all(txn)
        .await?;
    let template = |t: RoleTemplate| {
        templates
            .iter()
            .find(|r| r.template.as_deref() == Some(t.code()))
            .map(|r| r.id)
    };

    let mut people = Vec::new();
    let mut memberships = Vec::new();
    let mut sign_ins = Vec::new();
    let mut trail = Vec::new();
    for i in 0..DEMO_PEOPLE {
        let (user_type, status) = profile(i);
        let (first, last) = (FIRST_NAMES[i], LAST_NAMES[(i * 7) % LAST_NAMES.len()]);
        let email = format!("{}.{}@demo.{}.example", plain(first), plain(last), org.slug);
        let joined = at - chrono::Duration::days(rng.gen_range(20..90));
        let mut model = NewUser {
            organisation_id: org.id,
            email: &email,
            first_name: first,
            last_name: last,
            user_type,
            status,
            password_hash: None,
            must_change_password: false,
            platform_role: PlatformRole::None,
        }
        .into_active_model();
        model.created_at = Set(joined);
        model.updated_at = Set(joined);
        model.timezone = Set(Some(
            [
                "Europe/London",
                "Europe/Berlin",
                "America/New_York",
                "Asia/Tokyo",
            ][i % 4]
                .into(),
        ));
        let id = Uuid::new_v4();
        model.id = Set(id);
        let role = match user_type {
            UserType::TenantAdmin => template(RoleTemplate::Admin),
            UserType::Agent if i % 3 == 0 => Some(team_lead.id),
            UserType::Agent => template(RoleTemplate::Agent),
            _ => template(RoleTemplate::Viewer),
        };
        if let Some(role_id) = role {
            memberships.push(user_role::ActiveModel {
                user_id: Set(id),
                role_id: Set(role_id),
            });
        }
        let entry = |action, changes, ago: chrono::DateTime<chrono::Utc>| {
            let mut row = audit::row(audit::AuditEntry {
                organisation_id: org.id,
                actor_user_id: Some(actor_id),
                actor_organisation_id: Some(actor_home),
                action,
                target_type: "user",
                target_id: Some(id.to_string()),
                changes,
                ip: Some("203.0.113.10".into()),
            });
            row.at = Set(ago);
            row
        };
        trail.push(entry(
            AuditAction::UserInvited,
            audit::Changes::new()
                .added("email", &email)
                .added("user_type", user_type)
                .added("onboarding", "invitation"),
            joined,
        ));
        if status != UserStatus::Invited {
            // They accepted, and have signed in now and then since.
            let mut last_seen = joined;
            for _ in 0..rng.gen_range(2..8) {
                let when = at - chrono::Duration::minutes(rng.gen_range(10..(60 * 24 * 19)));
                let failed = rng.gen_ratio(1, 6);
                sign_ins.push(login_event::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    organisation_id: Set(Some(org.id)),
                    user_id: Set(Some(id)),
                    email: Set(email.clone()),
                    at: Set(when),
                    ip: Set(Some(format!("198.51.100.{}", rng.gen_range(2..250)))),
                    user_agent: Set(Some(
                        [
                            "Mozilla/5.0 (Macintosh) Safari/17",
                            "Mozilla/5.0 (Windows NT 10.0) Chrome/126",
                            "Mozilla/5.0 (X11; Linux) Firefox/128",
                        ][i % 3]
                            .into(),
                    )),
                    method: Set("password".into()),
                    success: Set(!failed),
                    failure_reason: Set(failed.then(|| "wrong_password".into())),
                    connection: Set(None),
                });
                if !failed && when > last_seen {
                    last_seen = when;
                }
            }
            if last_seen > joined {
                model.last_login_at = Set(Some(last_seen));
            }
        }
        if status == UserStatus::Suspended {
            trail.push(entry(
                AuditAction::UserSuspended,
                audit::Changes::new().field("status", UserStatus::Active, UserStatus::Suspended),
                at - chrono::Duration::days(rng.gen_range(1..10)),
            ));
        }
        people.push(model);
    }
    let active: Vec<Uuid> = people
        .iter()
        .filter(|p| p.status.as_ref() == &UserStatus::Active)
        .filter_map(|p| p.id.clone().take())
        .collect();
    user::Entity::insert_many(people)
        .exec_without_returning(txn)
        .await?;
    // Two teams of the active people, each with a manager and a signature.
    let mut team_members = Vec::new();
    for (n, (name, description)) in [
        ("Billing", "Invoices, refunds and payment questions"),
        (
            "Technical support",
            "Installation, outages and how-to questions",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let team = team::ActiveModel {
            id: Set(Uuid::new_v4()),
            organisation_id: Set(org.id),
            name: Set(name.into()),
            description: Set(description.into()),
            signature: Set("Kind regards,\n{agent_name}\n{team_name}, {organisation_name}".into()),
            external_id: Set(None),
            created_at: Set(at - chrono::Duration::days(45)),
            version: Set(1),
            updated_at: Set(at - chrono::Duration::days(45)),
        }
        .insert(txn)
        .await?;
        for (i, user_id) in active.iter().enumerate().filter(|(i, _)| i % 2 == n) {
            team_members.push(team_member::ActiveModel {
                team_id: Set(team.id),
                user_id: Set(*user_id),
                role: Set(if i < 2 {
                    crate::model::teams::TeamRole::Manager
                } else {
                    crate::model::teams::TeamRole::Member
                }),
                added_at: Set(at - chrono::Duration::days(40)),
            });
        }
    }
    if !team_members.is_empty() {
        team_member::Entity::insert_many(team_members)
            .exec_without_returning(txn)
            .await?;
    }
    user_role::Entity::insert_many(memberships)
        .exec_without_returning(txn)
        .await?;
    login_event::Entity::insert_many(sign_ins)
        .exec_without_returning(txn)
        .await?;
    audit_event::Entity::insert_many(trail)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// A name as the local part of an address: lowercase ASCII letters only.
fn plain(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'é' => Some('e'),
            'á' => Some('a'),
            'í' => Some('i'),
            'ı' => Some('i'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_and_status_appears() {
        for t in UserType::ALL {
            assert!((0..DEMO_PEOPLE).any(|i| profile(i).0 == *t), "{t}");
        }
        for s in UserStatus::ALL {
            assert!((0..DEMO_PEOPLE).any(|i| profile(i).1 == *s), "{s}");
        }
        assert_eq!(plain("Chloé"), "chloe");
        assert_eq!(plain("Yılmaz"), "yilmaz");
        assert_eq!(plain("García"), "garcia");
    }
}
