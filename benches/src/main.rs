//! `ipc-bench`: see the `ipc_benches` crate documentation and `README.md`.

fn main() -> anyhow::Result<()> {
    ipc_benches::main()
}
