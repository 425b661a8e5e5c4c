//! The connection to the daemon behind a [`ServiceManager`](super::ServiceManager):
//! made on first use, made again after the daemon went away, and followed by a
//! replay of what the new daemon must know (notification registrations, and this
//! process's services when it asked for that).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use super::aidl::android::os::IServiceCallback::IServiceCallback;
use super::aidl::android::os::IServiceManager::IServiceManager;
use crate::binder::DeathRecipient;
use crate::{BinderResult, SpIBinder, Status, StatusCode, Strong};

pub(super) struct Inner {
    pub(super) path: PathBuf,
    pub(super) reregister: AtomicBool,
    pub(super) next_id: AtomicU64,
    pub(super) state: Mutex<State>,
    /// Held while connecting, so that one connection is made at a time.
    pub(super) connecting: Mutex<()>,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) manager: Option<Strong<dyn IServiceManager>>,
    /// Counts connections, so that a late death notice of an old one is ignored.
    pub(super) generation: u64,
    /// The generation whose death we are linked to (0: none).
    pub(super) linked: u64,
    pub(super) added: Vec<Added>,
    pub(super) watches: Vec<Watch>,
    pub(super) restorer_running: bool,
}

#[derive(Clone)]
pub(super) struct Added {
    pub(super) name: String,
    pub(super) binder: SpIBinder,
    pub(super) allow_isolated: bool,
    pub(super) dump_priority: i32,
}

pub(super) struct Watch {
    pub(super) id: u64,
    pub(super) name: String,
    pub(super) callback: Strong<dyn IServiceCallback>,
}

impl State {
    pub(super) fn has_work_to_restore(&self, reregister: bool) -> bool {
        !self.watches.is_empty() || (reregister && !self.added.is_empty())
    }
}

impl Inner {
    /// The connected manager, connecting and replaying what needs it first.
    pub(super) fn manager(self: &Arc<Self>) -> BinderResult<Strong<dyn IServiceManager>> {
        if let Some(manager) = &self.state.lock().manager {
            return Ok(manager.clone());
        }
        let _connecting = self.connecting.lock();
        if let Some(manager) = &self.state.lock().manager {
            return Ok(manager.clone());
        }
        let binder = crate::connect(&self.path).map_err(|code| {
            tracing::debug!(path = %self.path.display(), %code, "service manager unreachable");
            // Nothing listening (no file, or a stale one) means no daemon.
            let code = match code {
                StatusCode::NAME_NOT_FOUND => StatusCode::DEAD_OBJECT,
                other => other,
            };
            Status::new_transaction_failure(
                code,
                &format!("no service manager answers at {}", self.path.display()),
            )
        })?;
        let manager = binder.into_interface::<dyn IServiceManager>()?;
        let reregister = self.reregister.load(Ordering::SeqCst);
        // Publish the connection before replaying, and replay without holding
        // `state`: the daemon calls notification callbacks back during the replay,
        // and a callback may well use this client.
        let (added, watches) = {
            let mut state = self.state.lock();
            state.generation += 1;
            state.manager = Some(manager.clone());
            let added: Vec<Added> = if reregister {
                state.added.clone()
            } else {
                Vec::new()
            };
            let watches: Vec<(String, Strong<dyn IServiceCallback>)> = state
                .watches
                .iter()
                .map(|w| (w.name.clone(), w.callback.clone()))
                .collect();
            (added, watches)
        };
        for added in &added {
            match manager.addService(
                &added.name,
                Some(&added.binder),
                added.allow_isolated,
                added.dump_priority,
            ) {
                Ok(()) => tracing::info!(name = %added.name, "service re-registered"),
                Err(e) => {
                    tracing::warn!(name = %added.name, error = %e, "re-registration failed")
                }
            }
        }
        for (name, callback) in &watches {
            if let Err(e) = manager.registerForNotifications(name, callback) {
                tracing::warn!(%name, error = %e, "notification re-registration failed");
            }
        }
        let mut state = self.state.lock();
        if state.has_work_to_restore(reregister) {
            self.link_death(&mut state);
        }
        Ok(manager)
    }

    /// Runs `f` on the manager; when the daemon turns out to be gone, reconnects
    /// and tries once more.
    pub(super) fn call<R>(
        self: &Arc<Self>,
        f: impl Fn(&Strong<dyn IServiceManager>) -> BinderResult<R>,
    ) -> BinderResult<R> {
        let manager = self.manager()?;
        match f(&manager) {
            // DEAD_OBJECT may also be about an argument (a dead binder in the
            // parcel): reconnect only when the daemon itself is gone.
            Err(e)
                if e.transaction_error() == StatusCode::DEAD_OBJECT
                    && manager.as_binder().ping_binder() == Err(StatusCode::DEAD_OBJECT) =>
            {
                self.forget(&manager);
                f(&self.manager()?)
            }
            other => other,
        }
    }

    fn forget(&self, manager: &Strong<dyn IServiceManager>) {
        let mut state = self.state.lock();
        if state.manager.as_ref() == Some(manager) {
            state.manager = None;
        }
    }

    /// Makes sure the daemon's death is noticed now that there is something to
    /// restore (linking is idempotent per connection generation).
    pub(super) fn watch_daemon(self: &Arc<Self>) {
        let mut state = self.state.lock();
        self.link_death(&mut state);
    }

    /// Links to the death of the current connection, once per connection.
    fn link_death(self: &Arc<Self>, state: &mut State) {
        let Some(manager) = &state.manager else {
            return;
        };
        let generation = state.generation;
        if state.linked == generation {
            return;
        }
        let weak: Weak<Inner> = Arc::downgrade(self);
        let recipient = DeathRecipient::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.daemon_died(generation);
            }
        });
        match manager.as_binder().link_to_death(&recipient) {
            Ok(()) => state.linked = generation,
            Err(StatusCode::DEAD_OBJECT) => {
                // It died before we could watch: act on it now, off this lock.
                let inner = self.clone();
                std::thread::spawn(move || inner.daemon_died(generation));
            }
            Err(e) => tracing::debug!(%e, "cannot watch the service manager"),
        }
    }

    fn daemon_died(self: &Arc<Self>, generation: u64) {
        let mut state = self.state.lock();
        if state.generation != generation {
            return;
        }
        state.manager = None;
        tracing::info!(path = %self.path.display(), "service manager died");
        if state.restorer_running
            || !state.has_work_to_restore(self.reregister.load(Ordering::SeqCst))
        {
            return;
        }
        state.restorer_running = true;
        drop(state);
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("sm-restore".into())
            .spawn(move || restore(weak));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the re-registration thread");
            self.state.lock().restorer_running = false;
        }
    }

    pub(super) fn unwatch(&self, id: u64) {
        let (watch, manager) = {
            let mut state = self.state.lock();
            let Some(at) = state.watches.iter().position(|w| w.id == id) else {
                return;
            };
            (state.watches.remove(at), state.manager.clone())
        };
        if let Some(manager) = manager
            && let Err(e) = manager.unregisterForNotifications(&watch.name, &watch.callback)
        {
            tracing::debug!(name = %watch.name, error = %e, "unregistering a notification failed");
        }
    }
}

/// Reconnects to a restarted daemon (which replays registrations), polling with a
/// growing interval; stops when that worked, when nothing is left to restore, or
/// when the client is gone.
fn restore(weak: Weak<Inner>) {
    let mut pause = Duration::from_millis(5);
    loop {
        let Some(inner) = weak.upgrade() else { return };
        {
            let mut state = inner.state.lock();
            if state.manager.is_some()
                || !state.has_work_to_restore(inner.reregister.load(Ordering::SeqCst))
            {
                state.restorer_running = false;
                return;
            }
        }
        if inner.manager().is_ok() {
            inner.state.lock().restorer_running = false;
            tracing::info!(path = %inner.path.display(), "reconnected to the service manager");
            return;
        }
        drop(inner);
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
