//! The jobs every process runs on a schedule. Each job claims its work in the database before
//! doing it, so with several processes each piece is done once.

use super::{accounts, activity, AppState};
use std::time::Duration;

/// How often the jobs look for work: a job due once a day is done within this of being due.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// Starts this process's scheduled jobs: the first run a minute after start, then every hour.
/// A failing job is logged and tried again at the next run.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            run_due(&state).await;
            tokio::time::sleep(EVERY).await;
        }
    })
}

/// Runs every job that is due now: people whose access ended are suspended, administrators hear
/// whose access ends within a week, the activity log older than each organisation keeps goes.
pub async fn run_due(state: &AppState) {
    if let Err(error) = accounts::end_expired_access(state).await {
        tracing::error!(%error, "access end job");
    }
    if let Err(error) = accounts::warn_access_ending(state).await {
        tracing::error!(%error, "access warning job");
    }
    if let Err(error) = activity::prune_due(&state.db).await {
        tracing::error!(%error, "activity retention job");
    }
}
