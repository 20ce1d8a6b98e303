//! A large organisation for the benchmarks: "Big" with `total` synthetic people of every type
//! and status (a third holding the Agent role), beside a small neighbour. Shared with `#[path]`.

use app::{
    entities::{organisation, role, user, user_role},
    model::{PlatformRole, RoleTemplate, UserStatus, UserType},
    services::organisations,
};
use sea_orm::{prelude::*, ActiveValue::Set, ConnectionTrait, DatabaseConnection};
use std::time::Instant;

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "John",
    "Frances", "Tim", "Joan", "Linus", "Sophie", "Dennis",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson",
    "Perlman", "Backus", "Allen", "Berners", "Clarke", "Torvalds", "Wilson", "Ritchie",
];

/// An organisation with `total` users of every type and status, a third holding a role.
pub async fn fill(db: &DatabaseConnection, total: usize) -> (organisation::Model, role::Model) {
    let org = organisations::create(db, "Big", "big", false, false)
        .await
        .expect("organisation");
    organisations::create(db, "Neighbour", "neighbour", false, false)
        .await
        .expect("organisation");
    let role = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(org.id))
        .filter(role::Column::Template.eq(RoleTemplate::Agent.code()))
        .one(db)
        .await
        .expect("query")
        .expect("agent role");
    let started = Instant::now();
    for chunk in (0..total).collect::<Vec<_>>().chunks(1_000) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut holders = Vec::new();
        for &i in chunk {
            let first = FIRST[i % FIRST.len()];
            let last = format!("{}{}", LAST[(i / FIRST.len()) % LAST.len()], i / 256);
            let email = format!(
                "{}.{}{}@big.example",
                first.to_lowercase(),
                last.to_lowercase(),
                i
            );
            let mut model = app::services::people::NewUser {
                organisation_id: org.id,
                email: &email,
                first_name: first,
                last_name: &last,
                user_type: UserType::ALL[i % UserType::ALL.len()],
                status: match i % 10 {
                    0 => UserStatus::Suspended,
                    1 => UserStatus::Invited,
                    _ => UserStatus::Active,
                },
                password_hash: None,
                must_change_password: false,
                platform_role: PlatformRole::None,
            }
            .into_active_model();
            if i % 4 != 1 {
                model.last_login_at = Set(Some(
                    chrono::Utc::now() - chrono::Duration::minutes(i as i64),
                ));
            }
            if i % 3 == 0 {
                if let sea_orm::ActiveValue::Set(id) = model.id {
                    holders.push(user_role::ActiveModel {
                        user_id: Set(id),
                        role_id: Set(role.id),
                    });
                }
            }
            rows.push(model);
        }
        user::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .expect("users");
        if !holders.is_empty() {
            user_role::Entity::insert_many(holders)
                .exec_without_returning(db)
                .await
                .expect("roles");
        }
    }
    println!(
        "  filled {total} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (org, role)
}

/// Gathers the statistics the query planner needs, once everything is written: what autovacuum
/// does on a live PostgreSQL (it also marks pages all-visible, which index-only scans need);
/// SQLite only gathers statistics.
pub async fn analyze(db: &DatabaseConnection) {
    let analyze = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(analyze).await.expect("analyze");
}
