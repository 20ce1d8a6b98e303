//! The organisation transaction: every change to the people, roles, teams or keys of one
//! organisation runs in an [`OrgTxn`], which holds the organisation's lock from its first
//! statement. The functions whose checks rely on that lock take an `&OrgTxn`, so a change that
//! forgot the lock does not compile. A building block.

use super::ServiceResult;
use crate::entities::organisation;
use sea_orm::{
    prelude::{async_trait::async_trait, *},
    sea_query::LockType,
    DatabaseTransaction, DbBackend, ExecResult, QueryResult, QuerySelect, Statement,
    TransactionTrait,
};

/// A transaction holding organisation `organisation_id`'s lock until it commits or is dropped
/// (rolled back).
///
/// The lock serialises changes to one organisation's people (two admins demoting each other at
/// the same moment must not leave nobody in charge). It is taken first, then any account's row,
/// so changes never wait for each other in a circle. On PostgreSQL it is a `FOR NO KEY UPDATE`
/// row lock (which does not block the key-share locks of foreign keys); on SQLite a write that
/// takes the database's one write lock at once, so the transaction reads the latest data and
/// cannot fail later because someone wrote in between.
pub struct OrgTxn {
    txn: DatabaseTransaction,
    organisation_id: Uuid,
}

impl OrgTxn {
    /// Begins a transaction on `db` and takes organisation `organisation_id`'s lock.
    pub async fn begin(
        db: &impl TransactionTrait<Transaction = DatabaseTransaction>,
        organisation_id: Uuid,
    ) -> ServiceResult<OrgTxn> {
        let txn = db.begin().await?;
        if txn.get_database_backend() == DbBackend::Sqlite {
            organisation::Entity::update_many()
                .col_expr(
                    organisation::Column::UpdatedAt,
                    Expr::col(organisation::Column::UpdatedAt),
                )
                .filter(organisation::Column::Id.eq(organisation_id))
                .exec(&txn)
                .await?;
        } else {
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
