//! Password hashing (argon2id, OWASP parameters) off the async workers; the password policy and
//! temporary passwords are in `policy`.

mod policy;

pub use policy::{check_policy, mismatch, not_current, temporary_password};

use super::{ServiceError, ServiceResult};
use argon2::{
    password_hash::{Output, PasswordHash, PasswordHasher, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use flume::{Receiver, RecvTimeoutError, Sender};
use rand::rngs::OsRng;
use std::{
    cell::RefCell,
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

/// OWASP's argon2id recommendation: 19 MiB, two passes, one lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

/// The hasher with the parameters new hashes get.
pub fn argon2() -> Argon2<'static> {
    // The constants are valid argon2 parameters; `Params::new` only rejects out-of-range values.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The stored hash uses older parameters and should be replaced now that we know the password.
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords on threads of their own, `concurrency` of them, so a burst of
/// sign-ins cannot starve the async workers or exhaust memory (19 MiB per hash). Each thread takes
/// the next waiting job as soon as it finishes one: the cores never wait on a hand-over through
/// the async workers between two hashes.
#[derive(Clone)]
pub struct Passwords {
    jobs: Sender<Job>,
    dummy_hash: Arc<String>,
    /// What the hashing threads did while they had no work (the tests read it).
    #[cfg(test)]
    idle: Arc<IdleCounts>,
}

/// Counts of the hashing threads' waits that ran out.
#[derive(Default)]
struct IdleCounts {
    /// Every wait that ran out.
    timeouts: AtomicUsize,
    /// Those after which the thread handed argon2's working memory back.
    releases: AtomicUsize,
}

/// Work for a hashing thread; it sends its own result.
type Job = Box<dyn FnOnce() + Send>;

/// How long a hashing thread keeps argon2's working memory with nothing to do.
const IDLE_KEEP: Duration = Duration::from_secs(10);

impl Passwords {
    /// A hasher allowing `concurrency` hashes at once. Its threads end once every clone of it is
    /// dropped.
    pub fn new(concurrency: usize) -> ServiceResult<Self> {
        Self::keeping_memory_for(concurrency, IDLE_KEEP)
    }

    /// A hasher whose threads hand argon2's working memory back after `idle_keep` without work.
    fn keeping_memory_for(concurrency: usize, idle_keep: Duration) -> ServiceResult<Self> {
        let dummy_hash = hash_blocking("the dummy password nobody has")?;
        let idle = Arc::new(IdleCounts::default());
        let (jobs, queue) = flume::unbounded::<Job>();
        for n in 0..concurrency.max(1) {
            let (queue, idle) = (queue.clone(), idle.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || hash_jobs(&queue, idle_keep, &idle))
                .map_err(|e| {
                    ServiceError::Internal(format!("cannot start a hashing thread: {e}"))
                })?;
        }
        Ok(Self {
            jobs,
            dummy_hash: Arc::new(dummy_hash),
            #[cfg(test)]
            idle,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ServiceResult<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| ServiceError::Internal("the hashing threads have stopped".into()))?;
        result
            .await
            .map_err(|_| ServiceError::Internal("a hashing job failed".into()))
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> ServiceResult<String> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Checks `password` against `stored`. With no stored hash (unknown user, no password yet) a
    /// dummy hash is verified instead, so the answer takes as long either way.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> ServiceResult<Verified> {
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let verified = self.run(move || verify_blocking(&password, &hash)).await?;
        Ok(Verified {
            matches: real && verified.matches,
            needs_rehash: real && verified.needs_rehash,
        })
    }
}

fn hash_blocking(password: &str) -> ServiceResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))
}

/// A hashing thread: runs jobs as they come; after `idle_keep` without one it hands argon2's
/// working memory back, and it ends when the hasher is gone. A job that panics (none should) fails
/// its caller, not the thread.
///
/// Every thread waits on the queue itself, so each one's wait can run out. (They once took turns
/// at a lock around the queue: the waiting thread, on timing out, took the lock straight back, and
/// the other, which had done the last hash, never got to wait, so it kept its 19 MiB for good.)
fn hash_jobs(queue: &Receiver<Job>, idle_keep: Duration, idle: &IdleCounts) {
    loop {
        match queue.recv_timeout(idle_keep) {
            Ok(job) => {
                let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
            }
            Err(RecvTimeoutError::Timeout) => {
                let held = BLOCKS.with_borrow_mut(|blocks| std::mem::take(blocks).capacity() > 0);
                if held {
                    idle.releases.fetch_add(1, Ordering::SeqCst);
                }
                idle.timeouts.fetch_add(1, Ordering::SeqCst);
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

thread_local! {
    /// argon2's working memory (19 MiB), kept per hashing thread: allocating and zeroing it for
    /// every sign-in costs page faults worth a tenth of the hash itself.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Recomputes the stored hash's output for `password` with that hash's own parameters and
/// compares in constant time. `None` when the stored hash cannot be read.
fn recompute_matches(password: &str, parsed: &PasswordHash<'_>) -> Option<bool> {
    let params = Params::try_from(parsed).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed
        .version
        .map_or(Some(Version::V0x13), |v| Version::try_from(v).ok())?;
    let expected = parsed.hash?;
    let mut salt_buffer = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt_buffer).ok()?;
    let hasher = Argon2::new(algorithm, version, params.clone());
    BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() < params.block_count() {
            blocks.resize(params.block_count(), Block::default());
        }
        let output = Output::init_with(expected.len(), |out| {
            hasher
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    salt,
                    out,
                    &mut blocks[..params.block_count()],
                )
                .map_err(|_| argon2::password_hash::Error::Crypto)
        })
        .ok()?;
        Some(output == expected)
    })
}

fn verify_blocking(password: &str, stored: &str) -> Verified {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified {
            matches: false,
            needs_rehash: false,
        };
    };
    let matches = recompute_matches(password, &parsed).unwrap_or(false);
    let current = Params::try_from(&parsed).ok();
    let needs_rehash = parsed.algorithm.as_str() != "argon2id"
        || current.is_none_or(|p| {
            p.m_cost() != MEMORY_KIB || p.t_cost() != ITERATIONS || p.p_cost() != PARALLELISM
        });
    Verified {
        matches,
        needs_rehash,
    }
}

/// Raw argon2id verifications per second on this machine with `threads` threads: the benchmark's
/// yardstick for sign-in throughput.
pub fn raw_verify_rate(threads: usize, per_thread: usize) -> f64 {
    let hash = match hash_blocking("benchmark password 1234") {
        Ok(h) => h,
        Err(_) => return 0.0,
    };
    let start = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let hash = &hash;
            scope.spawn(move || {
                for _ in 0..per_thread {
                    verify_blocking("benchmark password 1234", hash);
                }
            });
        }
    });
    (threads * per_thread) as f64 / start.elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_runs_on_its_own_threads_never_more_at_once_than_allowed() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let passwords = Passwords::new(2).expect("hasher");
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs = (0..8).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            passwords.run(move || {
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, SeqCst);
                std::thread::current().name().map(str::to_string)
            })
        });
        let threads = futures::future::join_all(jobs).await;
        assert_eq!(most.load(SeqCst), 2, "two hashes at once, never more");
        for thread in threads {
            let name = thread.expect("job ran").unwrap_or_default();
            assert!(
                name.starts_with("argon2-"),
                "ran on {name}, not a hashing thread"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_hashing_thread_hands_its_working_memory_back_once_idle() {
        let passwords =
            Passwords::keeping_memory_for(2, Duration::from_millis(100)).expect("hasher");
        let stored = passwords.dummy_hash.as_ref().clone();
        let idle = &passwords.idle;
        let timeouts = idle.timeouts.load(Ordering::SeqCst);
        // Two verifications that wait for each other, so each hashing thread does one and holds
        // argon2's working memory afterwards.
        let both = Arc::new(std::sync::Barrier::new(2));
        let jobs = (0..2).map(|_| {
            let (both, stored) = (both.clone(), stored.clone());
            passwords.run(move || {
                both.wait();
                verify_blocking("the dummy password nobody has", &stored).matches
            })
        });
        for verified in futures::future::join_all(jobs).await {
            assert!(verified.expect("job ran"));
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while idle.releases.load(Ordering::SeqCst) < 2 {
            assert!(std::time::Instant::now() < deadline, "never released");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Each gives it back the first time its own wait runs out: the waits of a thread with
        // nothing to give back do not come round again and again while the other keeps its memory
        // (a couple may, when one thread finished its job well after the other).
        let empty = idle.timeouts.load(Ordering::SeqCst) - timeouts - 2;
        assert!(
            empty <= 3,
            "{empty} waits with nothing to give back ran out before both threads had given theirs"
        );
        // And they take it again for the next sign-in.
        let again = passwords
            .verify("the dummy password nobody has".into(), Some(stored))
            .await
            .expect("verify");
        assert!(again.matches);
    }

    #[tokio::test]
    async fn a_job_that_panics_fails_its_caller_and_the_thread_goes_on() {
        let passwords = Passwords::new(1).expect("hasher");
        let failed = passwords.run(|| -> u8 { panic!("a broken job") }).await;
        assert!(failed.is_err());
        assert_eq!(
            passwords.run(|| 7).await.expect("the thread still works"),
            7
        );
        let verified = passwords
            .verify(
                "the dummy password nobody has".into(),
                Some(passwords.dummy_hash.as_ref().clone()),
            )
            .await
            .expect("verify");
        assert!(verified.matches);
    }

    #[test]
    fn hashes_with_weaker_parameters_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let stored = weak
            .hash_password(b"some password here", &salt)
            .unwrap()
            .to_string();
        let verified = verify_blocking("some password here", &stored);
        assert!(verified.matches && verified.needs_rehash);
        let current = hash_blocking("some password here").unwrap();
        let verified = verify_blocking("some password here", &current);
        assert!(verified.matches && !verified.needs_rehash);
        assert!(!verify_blocking("some password herE", &current).matches);
        assert!(!verify_blocking("some password here", "not a hash").matches);
    }

    #[test]
    fn verification_agrees_with_the_library() {
        use argon2::PasswordVerifier;
        let stored = hash_blocking("agreement check 123").unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        for attempt in ["agreement check 123", "agreement check 124", ""] {
            assert_eq!(
                verify_blocking(attempt, &stored).matches,
                argon2()
                    .verify_password(attempt.as_bytes(), &parsed)
                    .is_ok(),
                "{attempt}"
            );
        }
    }
}
