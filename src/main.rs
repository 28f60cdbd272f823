// mimalloc rather than glibc's malloc: the sync hub builds records on one thread and frees
// them on another, which glibc's per-thread arenas handle poorly (a third of the file
// source's own CPU time went to `_int_malloc` under glibc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rapport::cli::main()
}
