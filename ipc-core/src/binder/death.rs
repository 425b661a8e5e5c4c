//! Death notifications.

use std::fmt;
use std::sync::Arc;

/// Something to run once when a remote object's process dies (or its connection is
/// lost). Cheap to clone; clones are the same recipient, for unlinking.
///
/// ```
/// use ipc_core::binder::DeathRecipient;
/// let recipient = DeathRecipient::new(|| eprintln!("the service died"));
/// # drop(recipient);
/// ```
#[derive(Clone)]
pub struct DeathRecipient(Arc<dyn Fn() + Send + Sync>);

impl DeathRecipient {
    /// A recipient that runs `on_death`.
    pub fn new(on_death: impl Fn() + Send + Sync + 'static) -> DeathRecipient {
        DeathRecipient(Arc::new(on_death))
    }

    pub(crate) fn notify(&self) {
        (self.0)();
    }

    pub(crate) fn same_as(&self, other: &DeathRecipient) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for DeathRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeathRecipient({:p})", Arc::as_ptr(&self.0).cast::<()>())
    }
}
