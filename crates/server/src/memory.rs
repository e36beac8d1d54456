//! The process's allocator, and giving memory freed by a large answer back to the system.
//!
//! **jemalloc, not glibc's malloc.** An export is two threads passing chunks: a reader builds each row's strings, the
//! writing thread turns them into customers and drops them. glibc frees a block into the arena that allocated it,
//! under that arena's lock, so every row freed by the writer contended with the reader allocating the next ones:
//! profiled, a quarter of the reader's time (the thread that bounds an export) was malloc, its lock and the futex
//! waits behind it. jemalloc gives each thread a cache that takes frees of blocks from other threads without a lock.
//! `canopy export` of 100,000 customers on SQLite went from 1.98× to 1.11× the `sqlite3` shell (docs/performance.md,
//! "Fifth pass"). It replaces `malloc` for the whole process (`unprefixed_malloc_on_supported_platforms`), so the
//! bundled SQLite and libpq use it too: with glibc, libpq freeing each chunk's result trimmed the reader's arena
//! (6,400 `madvise` calls and their TLB shootdowns per export). mimalloc, tried too, gained less. Not on MSVC.
//!
//! **Memory back after an export.** Any allocator keeps what a finished export freed for reuse (glibc held 125 MiB
//! for ever; jemalloc returns it slowly, ten seconds after it was last used, and only when it is next called).
//! [`release_freed_memory`] hands it back at once.
//!
//! This is the workspace's one `unsafe` module (the lint is `deny`, allowed here only): purging has no safe binding.

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Returns the free pages of every allocator arena to the system. Costs about a millisecond; called once an export
/// has ended, not per request.
#[allow(unsafe_code)]
pub fn release_freed_memory() {
    #[cfg(not(target_env = "msvc"))]
    {
        // `arena.<MALLCTL_ARENAS_ALL>.purge`: purge every arena's unused dirty and muzzy pages (jemalloc's mallctl
        // namespace; 4096 stands for all arenas).
        const PURGE_ALL_ARENAS: &[u8] = b"arena.4096.purge\0";
        // SAFETY: the name is NUL-terminated, and this control takes no value and returns none, so every pointer
        // passed is null and both lengths are zero, as jemalloc requires of it. Purging works under each arena's own
        // lock, so it is sound from any thread at any time. Its result (whether anything was purged) is not needed.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                PURGE_ALL_ARENAS.as_ptr().cast(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }
}
