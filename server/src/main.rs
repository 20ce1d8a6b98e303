use std::process::ExitCode;

/// The server's own allocations go to jemalloc: rendering a console page allocates and frees
/// thousands of small blocks, and glibc's allocator took about 45% of the server's processor
/// time (`perf` over the Users page of a 100,000-person organisation). Measured with
/// `page_throughput` (docs/architecture.md, "Large organisations"): a quarter to a third less
/// processor time per page. SQLite's own blocks stay with glibc, whose settings
/// `return_large_blocks` makes.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read before `main`. Two arenas, one per core of the machines it is sized
/// for. Freed memory goes back to the system within about a second (`dirty_decay_ms`; jemalloc's
/// default of 10 s kept argon2's 19 MiB after a sign-in for that long), and a thread of its own
/// does it while the server is idle, where jemalloc would otherwise wait for the next
/// allocations.
#[cfg(not(target_env = "msvc"))]
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: Option<&'static std::ffi::c_char> = Some(
    // SAFETY: a C string literal lives for the whole program.
    unsafe {
        &*c"narenas:2,dirty_decay_ms:1000,background_thread:true,max_background_threads:1".as_ptr()
    },
);

fn main() -> ExitCode {
    server::return_large_blocks();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(server::cli::main()),
        Err(error) => {
            eprintln!("cannot start: {error}");
            ExitCode::FAILURE
        }
    }
}
