//! Password hashing (argon2id, OWASP parameters) off the async workers, the password policy and
//! temporary passwords.

use super::{ServiceError, ServiceResult};
use crate::model::password::{MAX_LENGTH, MIN_LENGTH};
use crate::{msg, services::messages::Refusal};
use argon2::{
    password_hash::{Output, PasswordHash, PasswordHasher, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use rand::{rngs::OsRng, Rng};
use std::{
    cell::RefCell,
    collections::HashSet,
    panic::AssertUnwindSafe,
    sync::{
        mpsc::{self, Receiver, RecvTimeoutError, Sender},
        Arc, LazyLock, Mutex,
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
}

/// Work for a hashing thread; it sends its own result.
type Job = Box<dyn FnOnce() + Send>;

/// How long a hashing thread keeps argon2's working memory with nothing to do.
const IDLE_KEEP: Duration = Duration::from_secs(10);

impl Passwords {
    /// A hasher allowing `concurrency` hashes at once. Its threads end once every clone of it is
    /// dropped.
    pub fn new(concurrency: usize) -> ServiceResult<Self> {
        let dummy_hash = hash_blocking("the dummy password nobody has")?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || hash_jobs(&queue))
                .map_err(|e| {
                    ServiceError::Internal(format!("cannot start a hashing thread: {e}"))
                })?;
        }
        Ok(Self {
            jobs,
            dummy_hash: Arc::new(dummy_hash),
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

/// A hashing thread: runs jobs as they come; after `IDLE_KEEP` without one it hands argon2's
/// working memory back, and it ends when the hasher is gone. A job that panics (none should) fails
/// its caller, not the thread.
fn hash_jobs(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while waiting: the thread that holds it takes the next job.
        let next = match queue.lock() {
            Ok(queue) => queue.recv_timeout(IDLE_KEEP),
            Err(_) => return,
        };
        match next {
            Ok(job) => {
                let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
            }
            Err(RecvTimeoutError::Timeout) => BLOCKS.with_borrow_mut(|blocks| *blocks = Vec::new()),
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

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Whether `password` is one character or one short pattern over and over ("            ",
/// "aaaaaaaaaaaa", "abcabcabcabc").
fn repetitive(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    (1..=4).any(|period| {
        chars.len() > period
            && chars
                .iter()
                .enumerate()
                .all(|(i, c)| *c == chars[i % period])
    })
}

/// Whether `password` is a run along the digits, the alphabet or a keyboard row, either way
/// ("123456789012", "lkjihgfedcba", "qwertyuiop[]" is not, "asdfghjkl" is).
fn sequential(password: &str) -> bool {
    const RUNS: [&str; 5] = [
        "0123456789",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
    ];
    let lower = password.to_lowercase();
    let reversed: String = lower.chars().rev().collect();
    RUNS.iter().any(|run| {
        // A run may wrap around (…7890123…), so look in it written out several times.
        let long = run.repeat(password.len() / run.len() + 2);
        long.contains(&lower) || long.contains(&reversed)
    })
}

/// Whether `password` is, or contains, the account's address, or is its part before the `@`
/// with only digits or punctuation added.
fn about_the_address(password: &str, email: &str) -> bool {
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    let base = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    (!email.is_empty() && lower.contains(&email)) || (local.chars().count() >= 4 && base == local)
}

/// Refuses a new password for the account with address `email` that breaks the policy: too
/// short, too long, one character or pattern repeated, a run of the keyboard or alphabet, the
/// address itself, or a well-known breached password. The password is taken as typed: nothing is
/// trimmed.
pub fn check_policy(field: &'static str, password: &str, email: &str) -> Result<(), Refusal> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Refusal::field(
            field,
            msg!("msg.passwords.too_short", min = MIN_LENGTH),
        ));
    }
    if length > MAX_LENGTH {
        return Err(Refusal::field(
            field,
            msg!("msg.passwords.too_long", max = MAX_LENGTH),
        ));
    }
    if repetitive(password) {
        return Err(Refusal::field(field, msg!("msg.passwords.repetitive")));
    }
    if sequential(password) {
        return Err(Refusal::field(field, msg!("msg.passwords.sequential")));
    }
    if about_the_address(password, email) {
        return Err(Refusal::field(field, msg!("msg.passwords.address")));
    }
    let lower = password.to_lowercase();
    // "Password1234!" is "password" with decoration: attackers try those first.
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if COMMON_PASSWORDS.contains(lower.as_str())
        || (base.chars().count() >= 4 && COMMON_PASSWORDS.contains(base))
    {
        return Err(Refusal::field(field, msg!("msg.passwords.breached")));
    }
    Ok(())
}

/// The refusal of a `field` that does not hold the person's current password.
pub fn not_current(field: &'static str) -> ServiceError {
    Refusal::field(field, msg!("msg.passwords.not_current")).into()
}

/// The refusal of a new password whose confirmation differs.
pub fn mismatch() -> ServiceError {
    Refusal::field("confirmation", msg!("msg.passwords.mismatch")).into()
}

/// A random temporary password: 20 characters that are hard to confuse when read aloud.
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    let chars: String = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!(
        "{}-{}-{}-{}",
        &chars[0..5],
        &chars[5..10],
        &chars[10..15],
        &chars[15..20]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "ada.lovelace@example.com";

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
    fn breached_passwords_are_refused_whatever_their_case() {
        assert!(check_policy("password", "Password1234", EMAIL).is_err());
        assert!(check_policy("password", "QWERTY123456", EMAIL).is_err());
        assert!(check_policy("password", "letmein!!!!!!!", EMAIL).is_err());
        assert!(check_policy("password", "a fresh and private phrase", EMAIL).is_ok());
    }

    #[test]
    fn repeated_sequential_and_address_passwords_are_refused_and_nothing_is_trimmed() {
        let refused = |password: &str| {
            check_policy("password", password, EMAIL)
                .expect_err(password)
                .in_(crate::i18n::Locale::En)
                .field_message("password")
                .unwrap_or_default()
        };
        for repeated in [
            "            ",
            "aaaaaaaaaaaa",
            "ééééééééééééé",
            "abcabcabcabc",
            "12121212121212",
        ] {
            assert!(refused(repeated).contains("repeated"), "{repeated}");
        }
        for run in [
            "123456789012",
            "abcdefghijklm",
            "210987654321",
            "ZYXWVUTSRQPO",
            "asdfghjklasd",
        ] {
            assert!(refused(run).contains("run"), "{run}");
        }
        for address in [
            EMAIL,
            "ADA.LOVELACE@EXAMPLE.COM",
            "my ada.lovelace@example.com!",
            "ada.lovelace2024!",
        ] {
            assert!(refused(address).contains("address"), "{address}");
        }
        // Spaces are characters like any other: a phrase padded with them is taken as typed.
        assert!(check_policy("password", "  a fresh and private phrase  ", EMAIL).is_ok());
        assert!(check_policy("password", "1234 five six seven", EMAIL).is_ok());
    }

    #[test]
    fn length_refusals_say_what_the_model_says() {
        use crate::model::password::length_problem;
        for password in ["short", &"x".repeat(MAX_LENGTH + 1)] {
            let refused = check_policy("password", password, EMAIL).expect_err(password);
            assert_eq!(
                refused
                    .in_(crate::i18n::Locale::En)
                    .field_message("password"),
                length_problem(password),
                "{password}"
            );
        }
    }

    #[test]
    fn temporary_passwords_meet_the_policy() {
        let password = temporary_password();
        assert!(check_policy("password", &password, EMAIL).is_ok());
        assert_ne!(password, temporary_password());
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
