//! A service implementing the generated `golden.behave.IEverything` (and its
//! callback), shared by the in-process and cross-process behaviour tests.
#![allow(non_snake_case)]

use crate::aidl::golden::behave::ICallback::ICallback;
use crate::aidl::golden::behave::IEverything::IEverything;
use crate::aidl::golden::behave::Item::Item;
use crate::aidl::golden::behave::Kind::Kind;
use crate::aidl::golden::behave::Payload::Payload;
use ipc_core::{
    BinderResult, ExceptionCode, Interface, ParcelFileDescriptor, SpIBinder, Status, Strong,
};
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};

/// Implements every method of `IEverything` with a checkable result.
#[derive(Debug, Default)]
pub struct Everything {
    /// How many oneway `fire` calls arrived.
    pub fired: AtomicI32,
    /// The lengths of the `fireBytes` arrays that arrived (-1 for each null one).
    pub bytes_fired: AtomicI64,
}

impl Interface for Everything {}

impl IEverything for Everything {
    fn prims(&self, z: bool, b: i8, c: u16, i: i32, l: i64, f: f32, d: f64) -> BinderResult<bool> {
        Ok(z && b == -7 && c == 0x263A && i == i32::MIN && l == i64::MAX && f == 1.5 && d == -2.25)
    }
    fn strings(&self, s: &str, n: Option<&str>, u: &str) -> BinderResult<String> {
        Ok(format!("{s}|{}|{u}", n.unwrap_or("<null>")))
    }
    fn nullableRet(&self, give: bool) -> BinderResult<Option<String>> {
        Ok(give.then(|| "given".to_owned()))
    }
    fn arrays(
        &self,
        a: &[i32],
        doubled: &mut Vec<i32>,
        strs: &mut Vec<String>,
        bytes: &[u8],
    ) -> BinderResult<Vec<i32>> {
        // An out array arrives sized like the caller's, filled with defaults.
        assert!(doubled.iter().all(|v| *v == 0));
        *doubled = a.iter().map(|v| v * 2).collect();
        strs.push(format!("{} bytes", bytes.len()));
        Ok(a.iter().rev().copied().collect())
    }
    fn lists(&self, l: &[String], items: &mut Vec<Item>) -> BinderResult<Vec<String>> {
        *items = l
            .iter()
            .enumerate()
            .map(|(i, s)| Item {
                id: i as i32,
                name: s.clone(),
                ..Item::default()
            })
            .collect();
        Ok(l.iter().map(|s| s.to_uppercase()).collect())
    }
    fn nullableArrays(
        &self,
        a: Option<&[i32]>,
        b: &mut Option<Vec<i32>>,
    ) -> BinderResult<Option<Vec<i32>>> {
        *b = a.map(|a| a.iter().map(|v| v + 1).collect());
        Ok(a.map(<[i32]>::to_vec))
    }
    fn nullableBytes(&self, a: Option<&[u8]>, b: &[u8]) -> BinderResult<Option<Vec<u8>>> {
        // Both borrowed in place from the request: `a` then `b`, or nothing.
        Ok(a.map(|a| [a, b].concat()))
    }
    fn fixed(&self, m: &[[i32; 3]; 2], f: &mut [i64; 4]) -> BinderResult<[[i32; 3]; 2]> {
        *f = [1, 2, 3, 4];
        Ok([m[1], m[0]])
    }
    fn parcelables(
        &self,
        a: &Item,
        b: &mut Item,
        c: &mut Item,
        d: Option<&Item>,
    ) -> BinderResult<Item> {
        assert_eq!(
            *b,
            Item::default(),
            "an out parcelable arrives as its default"
        );
        *b = Item {
            id: a.id + 1,
            child: Some(Box::new(a.clone())),
            ..a.clone()
        };
        c.tags.push(99);
        c.kind = Kind::LARGE;
        Ok(d.cloned().unwrap_or_default())
    }
    fn unions(&self, p: &Payload, q: &mut Payload) -> BinderResult<Payload> {
        *q = p.clone();
        Ok(match p {
            Payload::number(n) => Payload::text(n.to_string()),
            Payload::text(t) => Payload::number(t.len() as i32),
            Payload::item(i) => Payload::kind(i.kind),
            Payload::kind(k) => Payload::item(Item {
                kind: *k,
                ..Item::default()
            }),
        })
    }
    fn enums(&self, k: Kind, ks: &[Kind], out1: &mut Vec<Kind>) -> BinderResult<Kind> {
        *out1 = ks.iter().rev().copied().collect();
        Ok(if k == Kind::SMALL {
            Kind::LARGE
        } else {
            Kind::SMALL
        })
    }
    fn interfaces(
        &self,
        cb: &Strong<dyn ICallback>,
        none: Option<&Strong<dyn ICallback>>,
        v: i32,
    ) -> BinderResult<i32> {
        assert!(none.is_none());
        cb.onEvent(v)?;
        cb.twice(v)
    }
    fn echoCallback(&self, cb: &Strong<dyn ICallback>) -> BinderResult<Strong<dyn ICallback>> {
        Ok(cb.clone())
    }
    fn binders(&self, b: &SpIBinder) -> BinderResult<SpIBinder> {
        Ok(b.clone())
    }
    fn fds(&self, fd: &ParcelFileDescriptor) -> BinderResult<ParcelFileDescriptor> {
        Ok(fd.try_clone()?)
    }
    fn fail(&self, code: i32, message: &str) -> BinderResult<()> {
        if code == 0 {
            return Err(Status::new_exception(
                ExceptionCode::ILLEGAL_STATE,
                Some(message),
            ));
        }
        Err(Status::new_service_specific_error(code, Some(message)))
    }
    fn fire(&self, seq: i32) -> BinderResult<()> {
        self.fired.fetch_add(seq, Ordering::SeqCst);
        Ok(())
    }
    fn fired(&self) -> BinderResult<i32> {
        Ok(self.fired.load(Ordering::SeqCst))
    }
    fn maybeBytes(&self, tag: i32, data: Option<&[u8]>) -> BinderResult<Option<Vec<u8>>> {
        // The bytes back with the tag appended; null for null.
        Ok(data.map(|d| [d, &[tag as u8]].concat()))
    }
    fn fireBytes(&self, data: Option<&[u8]>) -> BinderResult<()> {
        let len = data.map_or(-1, |d| d.len() as i64);
        self.bytes_fired.fetch_add(len, Ordering::SeqCst);
        Ok(())
    }
    fn bytesFired(&self) -> BinderResult<i64> {
        Ok(self.bytes_fired.load(Ordering::SeqCst))
    }
}

/// A callback that counts what it is told.
#[derive(Debug, Default)]
pub struct Callback {
    /// The sum of the `onEvent` values received.
    pub events: AtomicI32,
}

impl Interface for Callback {}

impl ICallback for Callback {
    fn onEvent(&self, n: i32) -> BinderResult<()> {
        self.events.fetch_add(n, Ordering::SeqCst);
        Ok(())
    }
    fn twice(&self, v: i32) -> BinderResult<i32> {
        Ok(v * 2)
    }
}
