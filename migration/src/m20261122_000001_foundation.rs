//! The first schema: organisations, users, roles, sessions, tokens, sign-in history, audit trail,
//! mail outbox and sign-in throttling.

use crate::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Slug,
    IsAdminTenant,
    IsDemo,
    FeaturesEnabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrganisationId,
    Email,
    FirstName,
    LastName,
    Phone,
    ExternalId,
    Timezone,
    Locale,
    Theme,
    Signature,
    NotificationPrefs,
    UserType,
    Status,
    PasswordHash,
    MustChangePassword,
    PlatformRole,
    AccessExpiresAt,
    LastLoginAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    OrganisationId,
    Name,
    Description,
    Template,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RolePermissions {
    Table,
    RoleId,
    Permission,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    RoleId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    IdleExpiresAt,
    AbsoluteExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum Tokens {
    Table,
    Id,
    Kind,
    TokenHash,
    UserId,
    NewEmail,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginEvents {
    Table,
    Id,
    OrganisationId,
    UserId,
    Email,
    At,
    Ip,
    UserAgent,
    Method,
    Success,
    FailureReason,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OrganisationId,
    ActorUserId,
    ActorOrganisationId,
    Action,
    TargetType,
    TargetId,
    Changes,
    At,
    Ip,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    OrganisationId,
    ToAddress,
    Subject,
    TextBody,
    HtmlBody,
    Attempts,
    NextAttemptAt,
    SentAt,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    Key,
    Attempts,
    LastAttemptAt,
    NextAllowedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(uuid(Organisations::Id).primary_key())
                    .col(string(Organisations::Name))
                    .col(string(Organisations::Slug).unique_key())
                    .col(boolean(Organisations::IsAdminTenant).default(false))
                    .col(boolean(Organisations::IsDemo).default(false))
                    .col(json_null(Organisations::FeaturesEnabled))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .col(timestamp_with_time_zone(Organisations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // At most one admin tenant per instance, whatever the application does.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX organisations_one_admin_tenant ON organisations (is_admin_tenant) WHERE is_admin_tenant",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid(Users::Id).primary_key())
                    .col(uuid(Users::OrganisationId))
                    .col(string(Users::Email))
                    .col(string(Users::FirstName))
                    .col(string(Users::LastName))
                    .col(string_null(Users::Phone))
                    .col(string_null(Users::ExternalId))
                    .col(string_null(Users::Timezone))
                    .col(string(Users::Locale).default("en"))
                    .col(string(Users::Theme).default("system"))
                    .col(text_null(Users::Signature))
                    .col(json_null(Users::NotificationPrefs))
                    .col(string(Users::UserType))
                    .col(string(Users::Status))
                    .col(string_null(Users::PasswordHash))
                    .col(boolean(Users::MustChangePassword).default(false))
                    .col(string(Users::PlatformRole).default("none"))
                    .col(timestamp_with_time_zone_null(Users::AccessExpiresAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(integer(Users::Version).default(1))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Users::Table, Users::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Email addresses are unique within an organisation, ignoring case.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX users_organisation_email ON users (organisation_id, lower(email))",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_organisation_status")
                    .table(Users::Table)
                    .col(Users::OrganisationId)
                    .col(Users::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(uuid(Roles::Id).primary_key())
                    .col(uuid(Roles::OrganisationId))
                    .col(string(Roles::Name))
                    .col(text(Roles::Description).default(""))
                    .col(string_null(Roles::Template))
                    .col(timestamp_with_time_zone(Roles::CreatedAt))
                    .col(timestamp_with_time_zone(Roles::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Roles::Table, Roles::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX roles_organisation_name ON roles (organisation_id, lower(name))",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RolePermissions::Table)
                    .col(uuid(RolePermissions::RoleId))
                    .col(string(RolePermissions::Permission))
                    .primary_key(
                        Index::create()
                            .col(RolePermissions::RoleId)
                            .col(RolePermissions::Permission),
                    )
                    .foreign_key(&mut fk(
                        (RolePermissions::Table, RolePermissions::RoleId),
                        (Roles::Table, Roles::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserRoles::Table)
                    .col(uuid(UserRoles::UserId))
                    .col(uuid(UserRoles::RoleId))
                    .primary_key(
                        Index::create()
                            .col(UserRoles::UserId)
                            .col(UserRoles::RoleId),
                    )
                    .foreign_key(&mut fk(
                        (UserRoles::Table, UserRoles::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        (UserRoles::Table, UserRoles::RoleId),
                        (Roles::Table, Roles::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("user_roles_role")
                    .table(UserRoles::Table)
                    .col(UserRoles::RoleId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(uuid(Sessions::Id).primary_key())
                    .col(string(Sessions::TokenHash).unique_key())
                    .col(uuid(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::IdleExpiresAt))
                    .col(timestamp_with_time_zone(Sessions::AbsoluteExpiresAt))
                    .col(string_null(Sessions::Ip))
                    .col(string_null(Sessions::UserAgent))
                    .foreign_key(&mut fk(
                        (Sessions::Table, Sessions::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tokens::Table)
                    .col(uuid(Tokens::Id).primary_key())
                    .col(string(Tokens::Kind))
                    .col(string(Tokens::TokenHash).unique_key())
                    .col(uuid(Tokens::UserId))
                    .col(string_null(Tokens::NewEmail))
                    .col(timestamp_with_time_zone(Tokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Tokens::UsedAt))
                    .col(timestamp_with_time_zone(Tokens::CreatedAt))
                    .foreign_key(&mut fk(
                        (Tokens::Table, Tokens::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tokens_user_kind")
                    .table(Tokens::Table)
                    .col(Tokens::UserId)
                    .col(Tokens::Kind)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginEvents::Table)
                    .col(uuid(LoginEvents::Id).primary_key())
                    .col(uuid_null(LoginEvents::OrganisationId))
                    .col(uuid_null(LoginEvents::UserId))
                    .col(string(LoginEvents::Email))
                    .col(timestamp_with_time_zone(LoginEvents::At))
                    .col(string_null(LoginEvents::Ip))
                    .col(string_null(LoginEvents::UserAgent))
                    .col(string(LoginEvents::Method))
                    .col(boolean(LoginEvents::Success))
                    .col(string_null(LoginEvents::FailureReason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_events_user_at")
                    .table(LoginEvents::Table)
                    .col(LoginEvents::UserId)
                    .col(LoginEvents::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(uuid(AuditEvents::Id).primary_key())
                    .col(uuid(AuditEvents::OrganisationId))
                    .col(uuid_null(AuditEvents::ActorUserId))
                    .col(uuid_null(AuditEvents::ActorOrganisationId))
                    .col(string(AuditEvents::Action))
                    .col(string(AuditEvents::TargetType))
                    .col(string_null(AuditEvents::TargetId))
                    .col(json_null(AuditEvents::Changes))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(string_null(AuditEvents::Ip))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_events_organisation_at")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrganisationId)
                    .col(AuditEvents::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxMessages::Table)
                    .col(uuid(OutboxMessages::Id).primary_key())
                    .col(uuid_null(OutboxMessages::OrganisationId))
                    .col(string(OutboxMessages::ToAddress))
                    .col(string(OutboxMessages::Subject))
                    .col(text(OutboxMessages::TextBody))
                    .col(text(OutboxMessages::HtmlBody))
                    .col(integer(OutboxMessages::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboxMessages::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxMessages::SentAt))
                    .col(text_null(OutboxMessages::LastError))
                    .col(timestamp_with_time_zone(OutboxMessages::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_messages_due")
                    .table(OutboxMessages::Table)
                    .col(OutboxMessages::SentAt)
                    .col(OutboxMessages::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginThrottles::Table)
                    .col(string(LoginThrottles::Key).primary_key())
                    .col(integer(LoginThrottles::Attempts).default(0))
                    .col(big_integer(LoginThrottles::LastAttemptAt).default(0))
                    .col(big_integer(LoginThrottles::NextAllowedAt).default(0))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LoginThrottles::Table.into_iden(),
            OutboxMessages::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            LoginEvents::Table.into_iden(),
            Tokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            UserRoles::Table.into_iden(),
            RolePermissions::Table.into_iden(),
            Roles::Table.into_iden(),
            Users::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
