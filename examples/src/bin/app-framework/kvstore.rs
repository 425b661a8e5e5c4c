//! The `kvstore` role: `app.kvstore`, a key-value store persisting to a file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use examples::aidl::example::app::IKeyValueStore::{BnKeyValueStore, IKeyValueStore};
use ipc_core::service_manager;
use ipc_core::{BinderResult, ExceptionCode, Interface, Status};
use parking_lot::Mutex;

pub(crate) const NAME: &str = "app.kvstore";

struct Store {
    path: PathBuf,
    entries: Mutex<BTreeMap<String, String>>,
}

impl Store {
    /// Reads the file (one `key<TAB>value` line per entry), if there is one.
    fn load(path: &Path) -> anyhow::Result<Store> {
        let mut entries = BTreeMap::new();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for line in text.lines() {
                    let (key, value) = line
                        .split_once('\t')
                        .with_context(|| format!("bad line in {}: {line:?}", path.display()))?;
                    entries.insert(key.to_owned(), value.to_owned());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
        Ok(Store {
            path: path.to_owned(),
            entries: Mutex::new(entries),
        })
    }

    /// Writes every entry to a new file and renames it over the old one: a process
    /// killed at any point leaves the old or the new file, never half of one.
    /// (No fsync: this survives the store's crash, not the machine's.)
    fn save(&self, entries: &BTreeMap<String, String>) -> std::io::Result<()> {
        let mut text = String::new();
        for (key, value) in entries {
            text.push_str(key);
            text.push('\t');
            text.push_str(value);
            text.push('\n');
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }
}

fn illegal(message: &str) -> Status {
    Status::new_exception(ExceptionCode::ILLEGAL_ARGUMENT, Some(message))
}

impl Interface for Store {}

impl IKeyValueStore for Store {
    fn put(&self, key: &str, value: &str) -> BinderResult<()> {
        if key.is_empty() || key.contains(['\t', '\n']) || value.contains('\n') {
            return Err(illegal(
                "keys are non-empty without tab or newline; values have no newline",
            ));
        }
        let mut entries = self.entries.lock();
        let old = entries.insert(key.to_owned(), value.to_owned());
        // Answer only once the write is on disk, so an acknowledged put survives a crash.
        if let Err(e) = self.save(&entries) {
            match old {
                Some(old) => entries.insert(key.to_owned(), old),
                None => entries.remove(key),
            };
            return Err(Status::new_exception(
                ExceptionCode::ILLEGAL_STATE,
                Some(&format!("cannot save {}: {e}", self.path.display())),
            ));
        }
        Ok(())
    }

    fn get(&self, key: &str) -> BinderResult<Option<String>> {
        Ok(self.entries.lock().get(key).cloned())
    }

    fn keys(&self, prefix: &str) -> BinderResult<Vec<String>> {
        Ok(self
            .entries
            .lock()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}

pub(crate) fn run(db: &Path) -> anyhow::Result<()> {
    let store = Store::load(db)?;
    println!(
        "loaded {} entries from {}",
        store.entries.lock().len(),
        db.display()
    );
    service_manager::add_service(NAME, &BnKeyValueStore::new_binder(store).as_binder())?;
    println!("registered as {NAME:?} (pid {})", std::process::id());
    ipc_core::join_thread_pool()
}
