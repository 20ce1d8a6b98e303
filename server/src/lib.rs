//! The Tenantry server: command line, configuration, HTTP router and middleware.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod database;
pub mod exports;
pub mod http_api;
pub mod middleware;
pub mod router;
pub mod scim;
pub mod sso;

/// Makes glibc's allocator give blocks of 1 MiB and more back to the system as soon as they are
/// freed (the `tenantry` binary's own allocations go to jemalloc; SQLite's and those of the
/// benchmarks that serve in-process go to glibc). glibc otherwise raises that threshold to the
/// largest block freed so far and keeps every later one in its heap for good: after its first
/// sign-in (argon2 works in 19 MiB) the server stayed 19 MiB larger for each thread that had
/// hashed. Called first thing by `main` and by the benchmarks that serve in-process.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's settings, which it guards with its own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        // Fixing that threshold also fixes the one for handing back the free top of the heap
        // (128 KiB by default, which makes the heap shrink and grow again with every request).
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
    }
}
