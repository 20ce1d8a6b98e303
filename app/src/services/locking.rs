//! The organisation transaction: every change to the people, roles, teams or keys of one
//! organisation runs in an [`OrgTxn`], which holds the organisation's lock from its first
//! statement. The functions whose checks rely on that lock take an `&OrgTxn`, so a change that
//! forgot the lock does not compile. Optimistic concurrency (an edit refused when the row changed
//! since its form was read) is one compare-and-set on a [`Versioned`] row's version. A building
//! block.

use super::ServiceResult;
use crate::{
    entities::{organisation, role, team, user},
    services::messages::Refusal,
};
use sea_orm::{
    prelude::{async_trait::async_trait, *},
    sea_query::{ExprTrait, LockType},
    DatabaseTransaction, DbBackend, ExecResult, QueryResult, QuerySelect, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait,
};

/// Begins a transaction that will write. On SQLite it takes the database's one write lock at
/// once (`BEGIN IMMEDIATE`, waiting up to the busy timeout for it): a transaction begun the
/// default way reads a snapshot first, and its first write then fails with "database is locked"
/// (not waiting) whenever anyone else wrote in between, such as the mail worker marking a
/// message sent. PostgreSQL ignores the mode. Every transaction that writes begins here.
pub async fn write_txn(db: &DatabaseConnection) -> ServiceResult<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

/// A transaction holding organisation `organisation_id`'s lock until it commits or is dropped
/// (rolled back).
///
/// The lock serialises changes to one organisation's people (two admins demoting each other at
/// the same moment must not leave nobody in charge). It is taken first, then any account's row,
/// so changes never wait for each other in a circle. On PostgreSQL it is a `FOR NO KEY UPDATE`
/// row lock (which does not block the key-share locks of foreign keys); on SQLite the
/// database's one write lock, taken by [`write_txn`].
pub struct OrgTxn {
    txn: DatabaseTransaction,
    organisation_id: Uuid,
}

impl OrgTxn {
    /// Begins a transaction on `db` and takes organisation `organisation_id`'s lock.
    pub async fn begin(db: &DatabaseConnection, organisation_id: Uuid) -> ServiceResult<OrgTxn> {
        let txn = write_txn(db).await?;
        if txn.get_database_backend() != DbBackend::Sqlite {
            organisation::Entity::find_by_id(organisation_id)
                .lock(LockType::NoKeyUpdate)
                .one(&txn)
                .await?;
        }
        Ok(OrgTxn {
            txn,
            organisation_id,
        })
    }

    /// The organisation whose lock this transaction holds.
    pub fn organisation_id(&self) -> Uuid {
        self.organisation_id
    }

    /// Commits, which releases the lock.
    pub async fn commit(self) -> ServiceResult<()> {
        Ok(self.txn.commit().await?)
    }
}

impl std::ops::Deref for OrgTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait]
impl ConnectionTrait for OrgTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(statement).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(statement).await
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(statement).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// A row carrying an integer version, raised by one at every change, that edits compare against
/// the version their form was read at.
pub trait Versioned: EntityTrait {
    const ID: Self::Column;
    const VERSION: Self::Column;
    const UPDATED_AT: Self::Column;
}

impl Versioned for user::Entity {
    const ID: user::Column = user::Column::Id;
    const VERSION: user::Column = user::Column::Version;
    const UPDATED_AT: user::Column = user::Column::UpdatedAt;
}

impl Versioned for role::Entity {
    const ID: role::Column = role::Column::Id;
    const VERSION: role::Column = role::Column::Version;
    const UPDATED_AT: role::Column = role::Column::UpdatedAt;
}

impl Versioned for team::Entity {
    const ID: team::Column = team::Column::Id;
    const VERSION: team::Column = team::Column::Version;
    const UPDATED_AT: team::Column = team::Column::UpdatedAt;
}

/// Compare and set: raises row `id`'s version by one (and marks it updated now) if it is still
/// `read`, else refuses with
/// `changed()`. Made first in its transaction, the write also takes the row's (on SQLite the
/// database's) write lock, so an edit saved at the same moment waits and then finds the version
/// moved, instead of both reading the same version and the later one overwriting the first.
pub async fn claim_version<E: Versioned>(
    db: &impl ConnectionTrait,
    id: Uuid,
    read: i32,
    changed: impl FnOnce() -> Refusal,
) -> ServiceResult<()> {
    let claimed = E::update_many()
        .col_expr(E::VERSION, Expr::col(E::VERSION).add(1))
        .col_expr(E::UPDATED_AT, Expr::value(super::now()))
        .filter(E::ID.eq(id))
        .filter(E::VERSION.eq(read))
        .exec(db)
        .await?;
    if claimed.rows_affected == 1 {
        Ok(())
    } else {
        Err(changed().into())
    }
}

/// Raises row `id`'s version by one and marks it updated now: a change made without a form to compare (a team's
/// membership), which forms read before it must no longer save over.
pub async fn bump_version<E: Versioned>(db: &impl ConnectionTrait, id: Uuid) -> ServiceResult<()> {
    E::update_many()
        .col_expr(E::VERSION, Expr::col(E::VERSION).add(1))
        .col_expr(E::UPDATED_AT, Expr::value(super::now()))
        .filter(E::ID.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
