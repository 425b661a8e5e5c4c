//! [`ServiceManager`]: one connection to the daemon, reconnected on demand, with
//! what must be replayed when the daemon comes back (services this process added,
//! when asked to, and live notification registrations).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::aidl::android::os::IServiceCallback::BnServiceCallback;
use super::aidl::android::os::IServiceManager::IServiceManager;
use super::aidl::android::os::ServiceDebugInfo::ServiceDebugInfo;
use super::notify::{Callback, Registration, ServiceEvent};
use super::session::{Added, Inner, State, Watch};
use super::{DUMP_FLAG_PRIORITY_ALL, DUMP_FLAG_PRIORITY_DEFAULT, validate_name};
use crate::{BinderResult, FromIBinder, SpIBinder, Status, StatusCode, Strong};

/// A client of the service manager daemon at one socket path. Cheap to clone (clones
/// share the connection). Every call reconnects first if the daemon went away.
#[derive(Clone)]
pub struct ServiceManager {
    inner: Arc<Inner>,
}

/// Configures a [`ServiceManager`].
#[derive(Debug, Clone, Default)]
pub struct Builder {
    path: Option<PathBuf>,
    reregister: bool,
}

impl Builder {
    /// The daemon's socket (default: `$BINDER_IPC_SERVICEMANAGER`, else
    /// `<runtime dir>/servicemanager.sock`).
    pub fn path(mut self, path: impl AsRef<Path>) -> Builder {
        self.path = Some(path.as_ref().to_owned());
        self
    }

    /// Add this process's services again whenever a new daemon comes up (default
    /// off). Needs the thread pool, which [`ServiceManager::add_service`] starts.
    pub fn reregister_on_restart(mut self, on: bool) -> Builder {
        self.reregister = on;
        self
    }

    /// The client. It connects on first use.
    pub fn build(self) -> ServiceManager {
        ServiceManager {
            inner: Arc::new(Inner {
                path: self
                    .path
                    .unwrap_or_else(crate::runtime_dir::default_servicemanager_path),
                reregister: AtomicBool::new(self.reregister),
                next_id: AtomicU64::new(1),
                state: Mutex::new(State::default()),
                connecting: Mutex::new(()),
            }),
        }
    }
}

impl fmt::Debug for ServiceManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceManager")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl ServiceManager {
    /// A builder, for another socket path or automatic re-registration.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The daemon's socket path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Turns automatic re-registration (see [`Builder::reregister_on_restart`]) on or
    /// off; services added from now on are remembered while it is on.
    pub fn set_reregister_on_restart(&self, on: bool) {
        self.inner.reregister.store(on, Ordering::SeqCst);
        if !on {
            self.inner.state.lock().added.clear();
        }
    }

    /// The generated `IServiceManager` proxy, connected (or reconnected) now.
    pub fn manager(&self) -> BinderResult<Strong<dyn IServiceManager>> {
        self.inner.manager()
    }

    /// See [`super::get_service`].
    pub fn get_service<I: FromIBinder + ?Sized>(&self, name: &str) -> BinderResult<Strong<I>> {
        Ok(self.get_binder(name)?.into_interface::<I>()?)
    }

    /// See [`super::check_service`].
    pub fn check_service<I: FromIBinder + ?Sized>(
        &self,
        name: &str,
    ) -> BinderResult<Option<Strong<I>>> {
        match self.check_binder(name)? {
            Some(binder) => Ok(Some(binder.into_interface::<I>()?)),
            None => Ok(None),
        }
    }

    /// See [`super::wait_for_service`].
    pub fn wait_for_service<I: FromIBinder + ?Sized>(&self, name: &str) -> BinderResult<Strong<I>> {
        Ok(self.wait_binder(name, None)?.into_interface::<I>()?)
    }

    /// See [`super::wait_for_service_timeout`].
    pub fn wait_for_service_timeout<I: FromIBinder + ?Sized>(
        &self,
        name: &str,
        timeout: Duration,
    ) -> BinderResult<Strong<I>> {
        Ok(self
            .wait_binder(name, Some(Instant::now() + timeout))?
            .into_interface::<I>()?)
    }

    /// See [`super::get_binder`].
    pub fn get_binder(&self, name: &str) -> BinderResult<SpIBinder> {
        validate_name(name)?;
        self.inner
            .call(|m| m.getService(name))?
            .ok_or_else(|| Status::from(StatusCode::NAME_NOT_FOUND))
    }

    /// See [`super::check_binder`].
    pub fn check_binder(&self, name: &str) -> BinderResult<Option<SpIBinder>> {
        validate_name(name)?;
        self.inner.call(|m| m.checkService(name))
    }

    /// Blocks until `name` is registered (or the deadline passes: `TIMED_OUT`).
    /// Built on notifications, as Android's libbinder does, so no daemon thread
    /// waits for us, and a daemon restart meanwhile is survived.
    pub fn wait_for_binder(
        &self,
        name: &str,
        timeout: Option<Duration>,
    ) -> BinderResult<SpIBinder> {
        self.wait_binder(name, timeout.map(|t| Instant::now() + t))
    }

    fn wait_binder(&self, name: &str, deadline: Option<Instant>) -> BinderResult<SpIBinder> {
        validate_name(name)?;
        let slot = Arc::new((Mutex::new(None::<SpIBinder>), Condvar::new()));
        let _registration = {
            let slot = slot.clone();
            self.register_for_notifications(name, move |_, binder| {
                *slot.0.lock() = Some(binder.clone());
                slot.1.notify_all();
            })?
        };
        let (found, ready) = &*slot;
        let mut found = found.lock();
        loop {
            if let Some(binder) = found.take() {
                return Ok(binder);
            }
            match deadline {
                Some(deadline) => {
                    if ready.wait_until(&mut found, deadline).timed_out() && found.is_none() {
                        return Err(StatusCode::TIMED_OUT.into());
                    }
                }
                None => ready.wait(&mut found),
            }
        }
    }

    /// Registers `binder` as `name` with the default dump priority (see
    /// [`ServiceManager::add_service_with`]).
    pub fn add_service(&self, name: &str, binder: &SpIBinder) -> BinderResult<()> {
        self.add_service_with(name, binder, false, DUMP_FLAG_PRIORITY_DEFAULT)
    }

    /// Registers `binder` as `name`. Starts the thread pool, so that the service can
    /// be called and the daemon's restart noticed. Errors: `ILLEGAL_ARGUMENT` for a
    /// bad name or a dead binder, `SECURITY` when the policy forbids it.
    pub fn add_service_with(
        &self,
        name: &str,
        binder: &SpIBinder,
        allow_isolated: bool,
        dump_priority: i32,
    ) -> BinderResult<()> {
        validate_name(name)?;
        if binder.is_remote() && binder.ping_binder() == Err(StatusCode::DEAD_OBJECT) {
            return Err(Status::new_exception(
                crate::ExceptionCode::ILLEGAL_ARGUMENT,
                Some(&format!(
                    "cannot add {name:?}: the binder is dead (its process is gone)"
                )),
            ));
        }
        crate::start_thread_pool();
        self.inner
            .call(|m| m.addService(name, Some(binder), allow_isolated, dump_priority))?;
        if self.inner.reregister.load(Ordering::SeqCst) {
            let mut state = self.inner.state.lock();
            state.added.retain(|a| a.name != name);
            state.added.push(Added {
                name: name.to_owned(),
                binder: binder.clone(),
                allow_isolated,
                dump_priority,
            });
            drop(state);
            self.inner.watch_daemon();
        }
        Ok(())
    }

    /// Every name this process may find.
    pub fn list_services(&self) -> BinderResult<Vec<String>> {
        self.list_services_with_priority(DUMP_FLAG_PRIORITY_ALL)
    }

    /// The names whose dump priority intersects `dump_priority`.
    pub fn list_services_with_priority(&self, dump_priority: i32) -> BinderResult<Vec<String>> {
        self.inner.call(|m| m.listServices(dump_priority))
    }

    /// Whether the daemon's policy expects `name` to be registered.
    pub fn is_declared(&self, name: &str) -> BinderResult<bool> {
        validate_name(name)?;
        self.inner.call(|m| m.isDeclared(name))
    }

    /// Who registered what (the entries this process may find).
    pub fn debug_info(&self) -> BinderResult<Vec<ServiceDebugInfo>> {
        self.inner.call(|m| m.getServiceDebugInfo())
    }

    /// Calls `callback(name, binder)` on every registration of `name`, first for the
    /// current one if any, until the [`Registration`] drops; it is registered again
    /// with a restarted daemon. Callbacks run on the thread pool (started here).
    pub fn register_for_notifications(
        &self,
        name: &str,
        callback: impl Fn(&str, &SpIBinder) + Send + Sync + 'static,
    ) -> BinderResult<Registration> {
        self.watch(name, move |name, event| {
            if let ServiceEvent::Registered(binder) = event {
                callback(name, binder);
            }
        })
    }

    /// Like [`ServiceManager::register_for_notifications`], and also told when the
    /// process of the service registered under `name` dies ([`ServiceEvent::Died`]).
    pub fn watch(
        &self,
        name: &str,
        callback: impl Fn(&str, ServiceEvent<'_>) + Send + Sync + 'static,
    ) -> BinderResult<Registration> {
        validate_name(name)?;
        crate::start_thread_pool();
        let callback = BnServiceCallback::new_binder(Callback(Box::new(callback)));
        self.inner
            .call(|m| m.registerForNotifications(name, &callback))?;
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.inner.state.lock().watches.push(Watch {
            id,
            name: name.to_owned(),
            callback,
        });
        self.inner.watch_daemon();
        Ok(Registration {
            inner: Arc::downgrade(&self.inner),
            id,
            name: name.to_owned(),
        })
    }
}
