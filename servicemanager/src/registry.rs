//! The registry: the daemon's implementation of the generated `IServiceManager`.
//!
//! Names map to binders plus who registered them. The daemon links to the death of
//! every registered binder (the entry goes when its process dies, and the name can
//! be registered again) and of every notification callback.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use ipc_core::binder::DeathRecipient;
use ipc_core::service_manager::aidl::android::os::IServiceCallback::IServiceCallback;
use ipc_core::service_manager::aidl::android::os::IServiceManager::{
    BnServiceManager, DUMP_FLAG_PRIORITY_DEFAULT, IServiceManager,
};
use ipc_core::service_manager::aidl::android::os::ServiceDebugInfo::ServiceDebugInfo;
use ipc_core::service_manager::validate_name;
use ipc_core::{BinderResult, ExceptionCode, Interface, SpIBinder, Status, StatusCode, Strong};
use parking_lot::{Condvar, Mutex};

use crate::policy::{Action, Decision, Policy};

/// Settings of the registry.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long `getService` waits for a missing name.
    pub get_timeout: Duration,
    /// How many calls may block in `getService`/`waitForService` at once; each holds
    /// one of the daemon's pool threads, so this stays below the pool size.
    pub max_waiters: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            get_timeout: Duration::from_millis(1000),
            max_waiters: 16,
        }
    }
}

/// The service manager.
#[derive(Clone)]
pub struct Registry {
    shared: Arc<Shared>,
}

struct Shared {
    policy: Policy,
    options: Options,
    state: Mutex<State>,
    /// Signalled on every registration (for blocked getService/waitForService).
    registered: Condvar,
    waiters: AtomicUsize,
    next_id: AtomicU64,
}

#[derive(Default)]
struct State {
    services: BTreeMap<String, Entry>,
    callbacks: HashMap<String, Vec<Watcher>>,
}

struct Entry {
    id: u64,
    binder: SpIBinder,
    death: Option<DeathRecipient>,
    descriptor: String,
    pid: i32,
    uid: u32,
    since: SystemTime,
    dump_priority: i32,
    allow_isolated: bool,
}

struct Watcher {
    id: u64,
    callback: Strong<dyn IServiceCallback>,
    death: Option<DeathRecipient>,
}

impl Interface for Registry {}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("Registry")
            .field("services", &state.services.keys().collect::<Vec<_>>())
            .field("watched", &state.callbacks.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn illegal_argument(message: String) -> Status {
    Status::new_exception(ExceptionCode::ILLEGAL_ARGUMENT, Some(&message))
}

impl Registry {
    /// A registry enforcing `policy`.
    pub fn new(policy: Policy, options: Options) -> Registry {
        Registry {
            shared: Arc::new(Shared {
                policy,
                options,
                state: Mutex::new(State::default()),
                registered: Condvar::new(),
                waiters: AtomicUsize::new(0),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// This registry as a binder object, to serve.
    pub fn into_binder(self) -> SpIBinder {
        BnServiceManager::new_binder(self).as_binder()
    }

    /// Checks the caller against the policy; a denial is a `SECURITY` exception whose
    /// message says why, and is logged.
    fn enforce(&self, action: Action, name: &str) -> BinderResult<()> {
        let uid = ipc_core::calling_uid();
        match self.shared.policy.check(action, name, uid) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => {
                tracing::warn!(pid = ipc_core::calling_pid(), uid, %action, name, %reason, "denied");
                Err(Status::new_exception(
                    ExceptionCode::SECURITY,
                    Some(&format!("permission denied: {reason}")),
                ))
            }
        }
    }

    fn may_find(&self, name: &str, uid: u32) -> bool {
        self.shared.policy.check(Action::Find, name, uid) == Decision::Allow
    }

    fn lookup(&self, name: &str) -> Option<SpIBinder> {
        self.shared
            .state
            .lock()
            .services
            .get(name)
            .map(|e| e.binder.clone())
    }

    /// Waits up to `timeout` (`None`: no limit) for `name`, holding one waiter slot.
    /// `None` when the slots are all taken (and `must` is false) or on timeout.
    fn wait_for(
        &self,
        name: &str,
        timeout: Option<Duration>,
        must: bool,
    ) -> BinderResult<Option<SpIBinder>> {
        let shared = &self.shared;
        let slots = shared.waiters.fetch_add(1, Ordering::SeqCst);
        struct Slot<'a>(&'a AtomicUsize);
        impl Drop for Slot<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _slot = Slot(&shared.waiters);
        if slots >= shared.options.max_waiters {
            if must {
                return Err(Status::new_exception(
                    ExceptionCode::ILLEGAL_STATE,
                    Some(
                        "too many callers blocked in the service manager; use registerForNotifications",
                    ),
                ));
            }
            return Ok(self.lookup(name));
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = shared.state.lock();
        loop {
            if let Some(entry) = state.services.get(name) {
                return Ok(Some(entry.binder.clone()));
            }
            match deadline {
                Some(deadline) => {
                    if shared
                        .registered
                        .wait_until(&mut state, deadline)
                        .timed_out()
                    {
                        return Ok(state.services.get(name).map(|e| e.binder.clone()));
                    }
                }
                None => shared.registered.wait(&mut state),
            }
        }
    }

    /// The entry `id` of `name` died: drop it unless it was replaced meanwhile.
    /// Its watchers are told (oneway, after the lock is released).
    fn service_died(shared: &Shared, name: &str, id: u64) {
        let watchers: Vec<Strong<dyn IServiceCallback>> = {
            let mut state = shared.state.lock();
            if state.services.get(name).is_none_or(|e| e.id != id) {
                return;
            }
            if let Some(entry) = state.services.remove(name) {
                tracing::info!(
                    name,
                    pid = entry.pid,
                    uid = entry.uid,
                    "service died, removed"
                );
            }
            state
                .callbacks
                .get(name)
                .map(|list| list.iter().map(|w| w.callback.clone()).collect())
                .unwrap_or_default()
        };
        for watcher in watchers {
            if let Err(e) = watcher.onServiceDied(name) {
                tracing::debug!(name, error = %e, "death notice not delivered");
            }
        }
    }

    fn watcher_died(shared: &Shared, name: &str, id: u64) {
        let mut state = shared.state.lock();
        if let Some(list) = state.callbacks.get_mut(name) {
            list.retain(|w| w.id != id);
            if list.is_empty() {
                state.callbacks.remove(name);
            }
        }
        tracing::debug!(name, "notification callback died, removed");
    }

    fn notify(name: &str, binder: &SpIBinder, callbacks: Vec<Strong<dyn IServiceCallback>>) {
        for callback in callbacks {
            if let Err(e) = callback.onRegistration(name, binder) {
                tracing::debug!(name, error = %e, "notification not delivered");
            }
        }
    }

    /// Links `binder`'s death to `on_death`. `Ok(None)` for a local object (it
    /// cannot die before us); `ILLEGAL_ARGUMENT` when it is already dead.
    fn link(
        binder: &SpIBinder,
        what: &str,
        on_death: impl Fn() + Send + Sync + 'static,
    ) -> BinderResult<Option<DeathRecipient>> {
        if !binder.is_remote() {
            return Ok(None);
        }
        let recipient = DeathRecipient::new(on_death);
        match binder.link_to_death(&recipient) {
            Ok(()) => Ok(Some(recipient)),
            Err(StatusCode::DEAD_OBJECT) => Err(illegal_argument(format!(
                "the {what} is a dead binder (its process is gone)"
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

impl IServiceManager for Registry {
    fn getService(&self, name: &str) -> BinderResult<Option<SpIBinder>> {
        validate_name(name)?;
        self.enforce(Action::Find, name)?;
        if let Some(binder) = self.lookup(name) {
            return Ok(Some(binder));
        }
        let timeout = self.shared.options.get_timeout;
        if timeout.is_zero() {
            return Ok(None);
        }
        self.wait_for(name, Some(timeout), false)
    }

    fn checkService(&self, name: &str) -> BinderResult<Option<SpIBinder>> {
        validate_name(name)?;
        self.enforce(Action::Find, name)?;
        Ok(self.lookup(name))
    }

    fn addService(
        &self,
        name: &str,
        binder: Option<&SpIBinder>,
        allow_isolated: bool,
        dump_priority: i32,
    ) -> BinderResult<()> {
        validate_name(name)?;
        self.enforce(Action::Add, name)?;
        let binder = binder
            .ok_or_else(|| illegal_argument(format!("cannot add {name:?}: the binder is null")))?;
        let (pid, uid) = (ipc_core::calling_pid(), ipc_core::calling_uid());
        // Asking for the descriptor also proves the object answers.
        let descriptor = match binder.interface_descriptor() {
            Ok(d) => d,
            Err(StatusCode::DEAD_OBJECT) => {
                return Err(illegal_argument(format!(
                    "cannot add {name:?}: the binder is dead (its process is gone)"
                )));
            }
            Err(e) => {
                tracing::debug!(name, error = %e, "no interface descriptor");
                String::new()
            }
        };
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let death = {
            let weak: Weak<Shared> = Arc::downgrade(&self.shared);
            let owned = name.to_owned();
            Registry::link(binder, "service", move || {
                if let Some(shared) = weak.upgrade() {
                    Registry::service_died(&shared, &owned, id);
                }
            })
            .map_err(|e| illegal_argument(format!("cannot add {name:?}: {}", e.message())))?
        };
        let dump_priority = if dump_priority == 0 {
            DUMP_FLAG_PRIORITY_DEFAULT
        } else {
            dump_priority
        };
        let callbacks = {
            let mut state = self.shared.state.lock();
            let old = state.services.insert(
                name.to_owned(),
                Entry {
                    id,
                    binder: binder.clone(),
                    death,
                    descriptor: descriptor.clone(),
                    pid,
                    uid,
                    since: SystemTime::now(),
                    dump_priority,
                    allow_isolated,
                },
            );
            if let Some(old) = old {
                if let Some(death) = &old.death {
                    let _ = old.binder.unlink_to_death(death);
                }
                tracing::info!(name, old_pid = old.pid, "registration replaced");
            }
            self.shared.registered.notify_all();
            state
                .callbacks
                .get(name)
                .map(|list| list.iter().map(|w| w.callback.clone()).collect())
                .unwrap_or_default()
        };
        tracing::info!(name, pid, uid, descriptor, "service added");
        Registry::notify(name, binder, callbacks);
        Ok(())
    }

    fn listServices(&self, dump_priority: i32) -> BinderResult<Vec<String>> {
        let uid = ipc_core::calling_uid();
        let state = self.shared.state.lock();
        Ok(state
            .services
            .iter()
            .filter(|(name, e)| e.dump_priority & dump_priority != 0 && self.may_find(name, uid))
            .map(|(name, _)| name.clone())
            .collect())
    }

    fn registerForNotifications(
        &self,
        name: &str,
        callback: &Strong<dyn IServiceCallback>,
    ) -> BinderResult<()> {
        validate_name(name)?;
        self.enforce(Action::Find, name)?;
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let death = {
            let weak: Weak<Shared> = Arc::downgrade(&self.shared);
            let owned = name.to_owned();
            Registry::link(&callback.as_binder(), "callback", move || {
                if let Some(shared) = weak.upgrade() {
                    Registry::watcher_died(&shared, &owned, id);
                }
            })?
        };
        let current = {
            let mut state = self.shared.state.lock();
            state
                .callbacks
                .entry(name.to_owned())
                .or_default()
                .push(Watcher {
                    id,
                    callback: callback.clone(),
                    death,
                });
            state.services.get(name).map(|e| e.binder.clone())
        };
        tracing::debug!(
            name,
            pid = ipc_core::calling_pid(),
            "notification registered"
        );
        // As Android's: a name already registered is reported at once.
        if let Some(binder) = current {
            Registry::notify(name, &binder, vec![callback.clone()]);
        }
        Ok(())
    }

    fn unregisterForNotifications(
        &self,
        name: &str,
        callback: &Strong<dyn IServiceCallback>,
    ) -> BinderResult<()> {
        validate_name(name)?;
        let mut state = self.shared.state.lock();
        let list = state.callbacks.get_mut(name);
        let removed = list.and_then(|list| {
            let at = list.iter().position(|w| &w.callback == callback)?;
            Some(list.remove(at))
        });
        let Some(watcher) = removed else {
            return Err(illegal_argument(format!(
                "no such notification registration for {name:?}"
            )));
        };
        if state.callbacks.get(name).is_some_and(Vec::is_empty) {
            state.callbacks.remove(name);
        }
        drop(state);
        if let Some(death) = &watcher.death {
            let _ = watcher.callback.as_binder().unlink_to_death(death);
        }
        Ok(())
    }

    fn isDeclared(&self, name: &str) -> BinderResult<bool> {
        validate_name(name)?;
        Ok(self.shared.policy.declares(name))
    }

    fn waitForService(&self, name: &str, timeout_millis: i64) -> BinderResult<Option<SpIBinder>> {
        validate_name(name)?;
        self.enforce(Action::Find, name)?;
        let timeout = u64::try_from(timeout_millis)
            .ok()
            .map(Duration::from_millis);
        self.wait_for(name, timeout, true)
    }

    fn getServiceDebugInfo(&self) -> BinderResult<Vec<ServiceDebugInfo>> {
        let uid = ipc_core::calling_uid();
        let state = self.shared.state.lock();
        Ok(state
            .services
            .iter()
            .filter(|(name, _)| self.may_find(name, uid))
            .map(|(name, e)| ServiceDebugInfo {
                name: name.clone(),
                descriptor: e.descriptor.clone(),
                debugPid: e.pid,
                uid: e.uid as i32,
                registeredAtMillis: e
                    .since
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64),
                dumpPriority: e.dump_priority,
                allowIsolated: e.allow_isolated,
            })
            .collect())
    }
}
