//! The jobs every process runs on a schedule. Each job claims its work in the database before
//! doing it, so with several processes each piece is done once.

use super::activity;
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// How often the jobs look for work: a job due once a day is done within this of being due.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// Starts this process's scheduled jobs: the first run a minute after start, then every hour.
/// A failing job is logged and tried again at the next run.
pub fn spawn(db: DatabaseConnection) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            run_due(&db).await;
            tokio::time::sleep(EVERY).await;
        }
    })
}

/// Runs every job that is due now.
pub async fn run_due(db: &DatabaseConnection) {
    if let Err(error) = activity::prune_due(db).await {
        tracing::error!(%error, "activity retention job");
    }
}
