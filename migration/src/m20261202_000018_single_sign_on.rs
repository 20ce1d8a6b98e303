//! Single sign-on with OpenID Connect, per organisation. A connection names an identity provider
//! (its issuer), the client the organisation registered there (the secret encrypted with the
//! server's key, never stored in clear) and what happens at a first sign-in. A sign-in in progress
//! is a row (state hashed, nonce and PKCE verifier kept for ten minutes; the browser that started
//! it holds a cookie whose hash the row keeps), so any process can finish it, for that browser
//! only. A person's identity at a provider is linked to their account by (issuer, subject).
//! An organisation can require single sign-on, except for the administrators it names.

use crate::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SsoConnections {
    Table,
    Id,
    OrganisationId,
    Name,
    Preset,
    Issuer,
    ClientId,
    ClientSecret,
    Scopes,
    AllowedDomains,
    Enabled,
    LinkByEmail,
    Provisioning,
    JitUserType,
    JitRoles,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SsoFlows {
    Table,
    Id,
    StateHash,
    BrowserHash,
    ConnectionId,
    Purpose,
    Nonce,
    PkceVerifier,
    Next,
    StartedBy,
    Claims,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum UserIdentities {
    Table,
    Id,
    OrganisationId,
    UserId,
    Issuer,
    Subject,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    SsoRequired,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    SsoBreakGlass,
}

#[derive(DeriveIden)]
enum LoginEvents {
    Table,
    Connection,
}

/// Each column added, with its table: SQLite adds one column per statement.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            Organisations::Table.into_iden(),
            boolean(Organisations::SsoRequired)
                .default(false)
                .to_owned(),
        ),
        (
            Users::Table.into_iden(),
            boolean(Users::SsoBreakGlass).default(false).to_owned(),
        ),
        (
            LoginEvents::Table.into_iden(),
            string_null(LoginEvents::Connection),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SsoConnections::Table)
                    .col(uuid(SsoConnections::Id).primary_key())
                    .col(uuid(SsoConnections::OrganisationId))
                    .col(string(SsoConnections::Name))
                    .col(string(SsoConnections::Preset))
                    .col(string(SsoConnections::Issuer))
                    .col(string(SsoConnections::ClientId))
                    .col(string(SsoConnections::ClientSecret))
                    .col(string(SsoConnections::Scopes))
                    .col(json(SsoConnections::AllowedDomains))
                    .col(boolean(SsoConnections::Enabled))
                    .col(boolean(SsoConnections::LinkByEmail))
                    .col(string(SsoConnections::Provisioning))
                    .col(string_null(SsoConnections::JitUserType))
                    .col(json(SsoConnections::JitRoles))
                    .col(timestamp_with_time_zone(SsoConnections::CreatedAt))
                    .col(timestamp_with_time_zone(SsoConnections::UpdatedAt))
                    .foreign_key(&mut fk(
                        (SsoConnections::Table, SsoConnections::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sso_connections_organisation")
                    .table(SsoConnections::Table)
                    .col(SsoConnections::OrganisationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoFlows::Table)
                    .col(uuid(SsoFlows::Id).primary_key())
                    .col(string(SsoFlows::StateHash).unique_key())
                    .col(string(SsoFlows::BrowserHash))
                    .col(uuid(SsoFlows::ConnectionId))
                    .col(string(SsoFlows::Purpose))
                    .col(string(SsoFlows::Nonce))
                    .col(string(SsoFlows::PkceVerifier))
                    .col(string_null(SsoFlows::Next))
                    .col(uuid_null(SsoFlows::StartedBy))
                    .col(json_null(SsoFlows::Claims))
                    .col(timestamp_with_time_zone(SsoFlows::CreatedAt))
                    .col(timestamp_with_time_zone(SsoFlows::ExpiresAt))
                    .foreign_key(&mut fk(
                        (SsoFlows::Table, SsoFlows::ConnectionId),
                        (SsoConnections::Table, SsoConnections::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sso_flows_expiry")
                    .table(SsoFlows::Table)
                    .col(SsoFlows::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserIdentities::Table)
                    .col(uuid(UserIdentities::Id).primary_key())
                    .col(uuid(UserIdentities::OrganisationId))
                    .col(uuid(UserIdentities::UserId))
                    .col(string(UserIdentities::Issuer))
                    .col(string(UserIdentities::Subject))
                    .col(timestamp_with_time_zone(UserIdentities::CreatedAt))
                    .col(timestamp_with_time_zone_null(UserIdentities::LastUsedAt))
                    .foreign_key(&mut fk(
                        (UserIdentities::Table, UserIdentities::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        (UserIdentities::Table, UserIdentities::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("user_identities_subject")
                    .table(UserIdentities::Table)
                    .col(UserIdentities::OrganisationId)
                    .col(UserIdentities::Issuer)
                    .col(UserIdentities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("user_identities_user")
                    .table(UserIdentities::Table)
                    .col(UserIdentities::UserId)
                    .to_owned(),
            )
            .await?;
        for (table, mut column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(column.get_column_name())
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            UserIdentities::Table.into_iden(),
            SsoFlows::Table.into_iden(),
            SsoConnections::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
