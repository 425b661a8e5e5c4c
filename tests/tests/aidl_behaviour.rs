//! Behaviour of generated code, in process: a generated proxy over a loopback
//! binder (every call goes through `transact` and real parcels) reaches the
//! generated stub of `golden.behave.IEverything`, and results, `out`/`inout`
//! values and errors come back exactly.

use integration_tests::aidl::golden::behave::ICallback::{BnCallback, ICallback};
use integration_tests::aidl::golden::behave::IEverything::{
    self as everything, BnEverything, IEverything,
};
use integration_tests::aidl::golden::behave::Item::Item;
use integration_tests::aidl::golden::behave::Kind::Kind;
use integration_tests::aidl::golden::behave::Payload::Payload;
use integration_tests::everything::{Callback, Everything};
use ipc_core::{ExceptionCode, ParcelFileDescriptor, StatusCode, Strong};
use std::sync::atomic::AtomicI32;
/// A proxy that reaches the stub only through parcels.
fn proxy() -> Strong<dyn IEverything> {
    let local = BnEverything::new_binder(Everything::default());
    let proxy: Strong<dyn IEverything> = local.as_binder().loopback().into_interface().unwrap();
    assert!(proxy.as_binder().is_remote());
    proxy
}

#[test]
fn primitives_and_strings() {
    let p = proxy();
    assert_eq!(
        p.prims(true, -7, 0x263A, i32::MIN, i64::MAX, 1.5, -2.25),
        Ok(true)
    );
    assert_eq!(
        p.prims(true, -7, 0x263A, i32::MIN, i64::MAX, 1.5, 0.0),
        Ok(false)
    );
    assert_eq!(p.strings("a", Some("b"), "ü"), Ok("a|b|ü".to_owned()));
    assert_eq!(p.strings("", None, "世界"), Ok("|<null>|世界".to_owned()));
    assert_eq!(p.nullableRet(true), Ok(Some("given".to_owned())));
    assert_eq!(p.nullableRet(false), Ok(None));
}

#[test]
fn arrays_lists_and_fixed_arrays_with_out_and_inout() {
    let p = proxy();
    let mut doubled = vec![0; 3];
    let mut strs = vec!["kept".to_owned()];
    assert_eq!(
        p.arrays(&[1, 2, 3], &mut doubled, &mut strs, &[0, 255]),
        Ok(vec![3, 2, 1])
    );
    assert_eq!(doubled, [2, 4, 6]);
    assert_eq!(strs, ["kept", "2 bytes"]);

    let mut items = Vec::new();
    assert_eq!(
        p.lists(&["x".into(), "y".into()], &mut items),
        Ok(vec!["X".to_owned(), "Y".to_owned()])
    );
    assert_eq!(
        items
            .iter()
            .map(|i| (i.id, i.name.as_str()))
            .collect::<Vec<_>>(),
        [(0, "x"), (1, "y")]
    );

    let mut b = Some(vec![0; 2]);
    assert_eq!(
        p.nullableArrays(Some(&[5, 6]), &mut b),
        Ok(Some(vec![5, 6]))
    );
    assert_eq!(b, Some(vec![6, 7]));
    let mut b = None;
    assert_eq!(p.nullableArrays(None, &mut b), Ok(None));
    assert_eq!(b, None);

    // `in byte[]` reaches the service as a slice of the request itself.
    assert_eq!(
        p.nullableBytes(Some(&[1, 2, 3]), &[4, 5]),
        Ok(Some(vec![1, 2, 3, 4, 5]))
    );
    assert_eq!(p.nullableBytes(None, &[4, 5]), Ok(None));
    assert_eq!(p.nullableBytes(Some(&[]), &[]), Ok(Some(vec![])));
    // Trailing nullable arrays, small and big (the in-process path writes them inline).
    let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    assert_eq!(
        p.maybeBytes(3, Some(&big)),
        Ok(Some([&big[..], &[3]].concat()))
    );
    assert_eq!(p.maybeBytes(3, None), Ok(None));
    p.fireBytes(Some(&big)).unwrap();
    p.fireBytes(None).unwrap();
    assert_eq!(p.bytesFired(), Ok(100_000 - 1));

    let mut f = [0i64; 4];
    assert_eq!(
        p.fixed(&[[1, 2, 3], [4, 5, 6]], &mut f),
        Ok([[4, 5, 6], [1, 2, 3]])
    );
    assert_eq!(f, [1, 2, 3, 4]);
}

#[test]
fn parcelables_unions_and_enums() {
    let p = proxy();
    let a = Item {
        id: 1,
        name: "a".into(),
        tags: vec![1, 2],
        ..Item::default()
    };
    let mut b = Item::default();
    let mut c = Item {
        id: 3,
        ..Item::default()
    };
    let ret = p.parcelables(&a, &mut b, &mut c, None).unwrap();
    assert_eq!(ret, Item::default());
    assert_eq!(ret.name, "unnamed");
    assert_eq!(
        b,
        Item {
            id: 2,
            child: Some(Box::new(a.clone())),
            ..a.clone()
        }
    );
    assert_eq!(
        (c.id, c.tags.as_slice(), c.kind),
        (3, &[99][..], Kind::LARGE)
    );
    assert_eq!(p.parcelables(&a, &mut b, &mut c, Some(&a)).unwrap(), a);

    let mut q = Payload::default();
    assert_eq!(
        p.unions(&Payload::number(12), &mut q),
        Ok(Payload::text("12".into()))
    );
    assert_eq!(q, Payload::number(12));
    assert_eq!(
        p.unions(&Payload::text("four".into()), &mut q),
        Ok(Payload::number(4))
    );
    assert_eq!(
        p.unions(&Payload::item(a.clone()), &mut q),
        Ok(Payload::kind(Kind::SMALL))
    );
    assert_eq!(q, Payload::item(a));

    let mut out = Vec::new();
    assert_eq!(
        p.enums(Kind::SMALL, &[Kind::SMALL, Kind(7), Kind::LARGE], &mut out),
        Ok(Kind::LARGE)
    );
    assert_eq!(out, [Kind::LARGE, Kind(7), Kind::SMALL]);
}

#[test]
fn interfaces_binders_and_fds() {
    let p = proxy();
    let callback = Callback {
        events: AtomicI32::new(0),
    };
    let cb = BnCallback::new_binder(callback);
    assert_eq!(p.interfaces(&cb, None, 21), Ok(42));
    // The callback went through a parcel and came home as the same object.
    let back = p.echoCallback(&cb).unwrap();
    assert_eq!(back, cb);
    assert_eq!(back.twice(4), Ok(8));
    let binder = cb.as_binder();
    assert_eq!(p.binders(&binder), Ok(binder));

    let file = tempfile::tempfile().unwrap();
    let pfd = ParcelFileDescriptor::new(std::os::fd::OwnedFd::from(file));
    let dup = p.fds(&pfd).unwrap();
    use std::os::fd::AsRawFd;
    assert_ne!(
        dup.as_raw_fd(),
        pfd.as_raw_fd(),
        "a received fd is a new descriptor"
    );
}

#[test]
fn errors_come_back_exactly() {
    let p = proxy();
    let err = p.fail(everything::ERROR_ASKED, "as asked").unwrap_err();
    assert_eq!(err.exception_code(), ExceptionCode::SERVICE_SPECIFIC);
    assert_eq!(err.service_specific_error(), 42);
    assert_eq!(err.message(), "as asked");
    let err = p.fail(0, "bad state").unwrap_err();
    assert_eq!(err.exception_code(), ExceptionCode::ILLEGAL_STATE);
    assert_eq!(err.message(), "bad state");
}

#[test]
fn oneway_calls_and_meta_transactions() {
    let p = proxy();
    for seq in 1..=4 {
        p.fire(seq).unwrap();
    }
    assert_eq!(p.fired(), Ok(10));
    assert_eq!(p.getInterfaceVersion(), Ok(everything::VERSION));
    assert_eq!(p.getInterfaceVersion(), Ok(3));
    assert_eq!(p.getInterfaceHash(), Ok("notahash".to_owned()));
}

#[test]
fn the_stub_checks_token_and_code() {
    let binder = BnEverything::new_binder(Everything::default()).as_binder();
    let mut data = ipc_core::Parcel::new();
    data.write_interface_token("golden.behave.ICallback")
        .unwrap();
    assert_eq!(
        binder
            .transact(everything::transactions::fired, data, 0)
            .unwrap_err(),
        StatusCode::BAD_TYPE
    );
    let mut data = ipc_core::Parcel::new();
    data.write_interface_token(everything::DESCRIPTOR).unwrap();
    assert_eq!(
        binder.transact(12345, data, 0).unwrap_err(),
        StatusCode::UNKNOWN_TRANSACTION
    );
    // Wrong interface through the cast is refused too.
    assert_eq!(
        binder.into_interface::<dyn ICallback>().unwrap_err(),
        StatusCode::BAD_TYPE
    );
}
