//! Giving memory freed by a large answer back to the system.
//!
//! An export streams 100,000 customers through a thread of the blocking pool in bounded chunks, but glibc's
//! allocator keeps what those chunks freed in that thread's arena: the server's RSS was 15 MiB before the first
//! export and 125 MiB after, for ever (reused by the next export, never returned). `malloc_trim` hands the free
//! pages of every arena back. mimalloc was tried instead and kept more (141 MiB after the same run), so the
//! allocator stays glibc's and is trimmed after each export.
//!
//! This is the workspace's one `unsafe` call (the lint is `deny`, allowed here only): glibc has no safe binding.

/// Returns the free pages of every allocator arena to the system. Costs about a millisecond; called once an export
/// has ended, not per request.
#[allow(unsafe_code)]
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and works under each arena's own lock, so it is sound from any thread at
    // any time; its result (whether anything was released) is not needed.
    unsafe {
        libc::malloc_trim(0);
    }
}
