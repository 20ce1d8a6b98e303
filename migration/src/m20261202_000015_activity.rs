//! The Activity and Sign-ins views and the trail's retention: the trail is read newest first under
//! any filter (the person acting, the person acted on, the kind of action, a date range), a page
//! at a time after the last entry shown, so each filter gets an index ending in `(at, id)`; so do
//! the Sign-ins view's (address typed, IP address, failed only). Each organisation keeps entries a
//! number of days of its choosing, and notes when its old entries were last removed; a person whose
//! access ends soon is noted once their administrators have been told; the account of someone
//! given a new user type notes the account that replaced it, and gives its address up to it. The built-in
//! Admin roles get the new permission to see sign-in history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    OrganisationId,
    ActorUserId,
    TargetId,
    Action,
    At,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginEvents {
    Table,
    OrganisationId,
    Email,
    Ip,
    Success,
    At,
    Id,
}

/// Each index of the sign-in history: its name and the columns before `(at, id)`.
const SIGN_IN_INDEXES: [(&str, &[LoginEvents]); 4] = [
    ("login_events_org_at_id", &[]),
    ("login_events_org_email_at", &[LoginEvents::Email]),
    ("login_events_org_ip_at", &[LoginEvents::Ip]),
    ("login_events_org_success_at", &[LoginEvents::Success]),
];

/// Gives every built-in Admin role the permission to see sign-in history, as new ones have.
const GRANT_SIGN_INS: &str = "INSERT INTO role_permissions (role_id, permission) \
     SELECT id, 'sign_ins.view' FROM roles WHERE template = 'admin'";

#[derive(DeriveIden)]
enum Users {
    Table,
    AccessWarnedAt,
    ReplacedBy,
}

/// An address belongs to one account of an organisation at a time: the old account of someone
/// given a new user type gives it up to the new one.
const EMAIL_UNIQUE_WHILE_CURRENT: &str = "CREATE UNIQUE INDEX users_organisation_current_email \
     ON users (organisation_id, lower(email)) WHERE replaced_by IS NULL";
/// The access jobs look for the few people whose access ends: only those rows are indexed.
const ACCESS_ENDS: &str = "CREATE INDEX users_access_expires ON users (access_expires_at) \
     WHERE access_expires_at IS NOT NULL";

const EMAIL_UNIQUE: &str =
    "CREATE UNIQUE INDEX users_organisation_email ON users (organisation_id, lower(email))";

#[derive(DeriveIden)]
enum Organisations {
    Table,
    AuditRetentionDays,
    AuditPrunedAt,
}

/// Each index: its name and the columns before `(at, id)`.
const INDEXES: [(&str, &[AuditEvents]); 5] = [
    ("audit_events_org_at_id", &[]),
    ("audit_events_org_actor_at", &[AuditEvents::ActorUserId]),
    // What one admin did of one kind: a busy admin's rare action, found without walking all
    // they did.
    (
        "audit_events_org_actor_action_at",
        &[AuditEvents::ActorUserId, AuditEvents::Action],
    ),
    ("audit_events_org_target_at", &[AuditEvents::TargetId]),
    ("audit_events_org_action_at", &[AuditEvents::Action]),
];

/// Index `name` on `table`: the organisation, then `columns`, then `(at, id)`, the order a
/// newest-first page under those filters reads.
fn keyset_index<T: Iden + Copy + 'static>(
    name: &str,
    table: T,
    organisation: T,
    columns: &[T],
    at: T,
    id: T,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table).col(organisation);
    for column in columns {
        index.col(*column);
    }
    index.col(at).col(id).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("audit_events_organisation_at")
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        for (name, columns) in INDEXES {
            use AuditEvents::*;
            let index = keyset_index(name, Table, OrganisationId, columns, At, Id);
            manager.create_index(index).await?;
        }
        for (name, columns) in SIGN_IN_INDEXES {
            use LoginEvents::*;
            let index = keyset_index(name, Table, OrganisationId, columns, At, Id);
            manager.create_index(index).await?;
        }
        manager
            .get_connection()
            .execute_unprepared(GRANT_SIGN_INS)
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(integer(Organisations::AuditRetentionDays).default(365))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(timestamp_with_time_zone_null(Organisations::AuditPrunedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::AccessWarnedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(uuid_null(Users::ReplacedBy))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(EMAIL_UNIQUE_WHILE_CURRENT).await?;
        db.execute_unprepared("DROP INDEX users_organisation_email")
            .await?;
        db.execute_unprepared(ACCESS_ENDS).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX users_access_expires")
            .await?;
        db.execute_unprepared(EMAIL_UNIQUE).await?;
        db.execute_unprepared("DROP INDEX users_organisation_current_email")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::ReplacedBy)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::AccessWarnedAt)
                    .to_owned(),
            )
            .await?;
        for column in [
            Organisations::AuditPrunedAt,
            Organisations::AuditRetentionDays,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organisations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM role_permissions WHERE permission = 'sign_ins.view'")
            .await?;
        for (name, _) in SIGN_IN_INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(LoginEvents::Table)
                        .to_owned(),
                )
                .await?;
        }
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(AuditEvents::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("audit_events_organisation_at")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrganisationId)
                    .col(AuditEvents::At)
                    .to_owned(),
            )
            .await
    }
}
