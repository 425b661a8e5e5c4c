//! Registration notifications: a closure behind a generated `IServiceCallback`.

use std::fmt;
use std::sync::Weak;

use super::aidl::android::os::IServiceCallback::IServiceCallback;
use super::session::Inner;
use crate::{BinderResult, Interface, SpIBinder};

/// What happened to a watched name.
#[derive(Debug, Clone, Copy)]
pub enum ServiceEvent<'a> {
    /// The name was registered (or registered again) as this binder.
    Registered(&'a SpIBinder),
    /// The process of the service registered under the name died; the entry is gone.
    Died,
}

/// What a notification runs: `(name, event)`.
pub(super) type OnEvent = Box<dyn Fn(&str, ServiceEvent<'_>) + Send + Sync>;

/// The callback object the daemon calls (oneway) about a name.
pub(super) struct Callback(pub(super) OnEvent);

impl Interface for Callback {}

impl IServiceCallback for Callback {
    fn onRegistration(&self, name: &str, binder: &SpIBinder) -> BinderResult<()> {
        (self.0)(name, ServiceEvent::Registered(binder));
        Ok(())
    }

    fn onServiceDied(&self, name: &str) -> BinderResult<()> {
        (self.0)(name, ServiceEvent::Died);
        Ok(())
    }
}

/// A live notification registration (from
/// [`ServiceManager::register_for_notifications`](super::ServiceManager::register_for_notifications)).
/// Dropping it unregisters the callback; until then it survives daemon restarts.
#[must_use = "the callback is unregistered when the Registration drops"]
pub struct Registration {
    pub(super) inner: Weak<Inner>,
    pub(super) id: u64,
    pub(super) name: String,
}

impl Registration {
    /// The name watched.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("name", &self.name)
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            inner.unwatch(self.id);
        }
    }
}
