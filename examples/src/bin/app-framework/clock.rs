//! The `clock` role: `app.clock`, pushing oneway ticks to subscribers from a thread
//! of its own.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use examples::aidl::example::app::IClock::{BnClock, IClock};
use examples::aidl::example::app::IClockListener::IClockListener;
use ipc_core::binder::DeathRecipient;
use ipc_core::service_manager;
use ipc_core::{BinderResult, ExceptionCode, Interface, Status, Strong};
use parking_lot::Mutex;

pub(crate) const NAME: &str = "app.clock";

struct Subscription {
    listener: Strong<dyn IClockListener>,
    period: Duration,
    next: Instant,
    seq: i64,
    on_death: DeathRecipient,
}

type Subscriptions = Arc<Mutex<Vec<Subscription>>>;

#[derive(Default)]
struct Clock {
    subscriptions: Subscriptions,
}

fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Interface for Clock {}

impl IClock for Clock {
    fn nowMillis(&self) -> BinderResult<i64> {
        Ok(unix_millis())
    }

    fn subscribe(
        &self,
        listener: &Strong<dyn IClockListener>,
        period_millis: i32,
    ) -> BinderResult<()> {
        if !(1..=60_000).contains(&period_millis) {
            return Err(Status::new_exception(
                ExceptionCode::ILLEGAL_ARGUMENT,
                Some("the period is 1 to 60000 ms"),
            ));
        }
        let pid = ipc_core::calling_pid();
        // A subscriber that dies without unsubscribing is dropped.
        let on_death = {
            let subscriptions = Arc::downgrade(&self.subscriptions);
            let binder = listener.as_binder();
            DeathRecipient::new(move || {
                if let Some(subscriptions) = subscriptions.upgrade() {
                    subscriptions
                        .lock()
                        .retain(|s| s.listener.as_binder() != binder);
                    println!("subscriber pid {pid} died; dropped its subscription");
                }
            })
        };
        listener.as_binder().link_to_death(&on_death)?;
        let period = Duration::from_millis(period_millis as u64);
        self.subscriptions.lock().push(Subscription {
            listener: listener.clone(),
            period,
            next: Instant::now() + period,
            seq: 0,
            on_death,
        });
        println!("pid {pid} subscribed to a tick every {period:?}");
        Ok(())
    }

    fn unsubscribe(&self, listener: &Strong<dyn IClockListener>) -> BinderResult<()> {
        let mut subscriptions = self.subscriptions.lock();
        if let Some(at) = subscriptions.iter().position(|s| &s.listener == listener) {
            let gone = subscriptions.remove(at);
            let _ = gone.listener.as_binder().unlink_to_death(&gone.on_death);
            println!(
                "pid {} unsubscribed after {} ticks",
                ipc_core::calling_pid(),
                gone.seq
            );
        }
        Ok(())
    }
}

/// Sends every due tick, then sleeps until the next one is due.
fn tick_forever(subscriptions: Subscriptions) -> ! {
    loop {
        let now = Instant::now();
        let mut due = Vec::new();
        let mut wake = now + Duration::from_millis(50);
        for s in subscriptions.lock().iter_mut() {
            if s.next <= now {
                s.seq += 1;
                s.next += s.period;
                due.push((s.listener.clone(), s.seq));
            }
            wake = wake.min(s.next);
        }
        // Oneway: each call returns once queued, so a slow subscriber delays nobody.
        for (listener, seq) in due {
            let _ = listener.onTick(seq, unix_millis());
        }
        std::thread::sleep(wake.saturating_duration_since(Instant::now()));
    }
}

pub(crate) fn run() -> anyhow::Result<()> {
    let clock = Clock::default();
    let subscriptions = clock.subscriptions.clone();
    service_manager::add_service(NAME, &BnClock::new_binder(clock).as_binder())?;
    println!("registered as {NAME:?} (pid {})", std::process::id());
    tick_forever(subscriptions)
}
