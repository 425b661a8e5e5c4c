//! The whole generated golden corpus builds against ipc-core (through
//! `aidl_compiler::Builder` in `build.rs`), and its types behave: defaults,
//! enums, unions, nested and generic types, parcel round trips.

include!(concat!(env!("OUT_DIR"), "/aidl.rs"));

/// The Rust side of `golden.types.Native` (`rust_type "crate::native::Native"`).
pub mod native {
    #[derive(Debug, Default, Clone, PartialEq)]
    pub struct Native(pub i32);

    impl ipc_core::Parcelable for Native {
        fn write_to_parcel(&self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            parcel.write(&self.0)
        }
        fn read_from_parcel(&mut self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            self.0 = parcel.read()?;
            Ok(())
        }
    }
    ipc_core::impl_parcelable!(Native);
}

use aidl::golden::{basic, other, types};
use ipc_core::Parcel;

fn round_trip<T>(value: &T) -> T
where
    T: ipc_core::codegen::Serialize + ipc_core::codegen::Deserialize,
{
    let mut parcel = Parcel::new();
    parcel.write(value).unwrap();
    parcel.set_data_position(0).unwrap();
    let back = parcel.read().unwrap();
    assert!(
        !parcel.has_more_data(),
        "the reader consumed everything written"
    );
    back
}

#[test]
fn constants_are_evaluated() {
    use basic::IConstants as c;
    assert_eq!((c::TRUE, c::LOGIC), (true, true));
    assert_eq!(c::BYTE, -128);
    assert_eq!(c::BYTE_HEX, -1);
    assert_eq!(c::CHAR, u16::from(b'x'));
    assert_eq!(c::INT, 5); // 1 + 2 * 3 - (4 / 2) % 3
    assert_eq!(c::HEX, -1);
    assert_eq!(c::SHIFT, i32::MIN);
    assert_eq!(c::BITS, ((0xF0 | 0x0F) & !0x3) ^ 0x100);
    assert_eq!(c::TERNARY, -5); // INT is 5, and 5 > 5 is false
    assert_eq!(c::MIN_INT, i32::MIN);
    assert_eq!(c::LONG, 1 << 40);
    assert_eq!(c::BIG_HEX, i64::MAX);
    assert_eq!(c::WIDE, 2_147_483_648);
    assert_eq!(c::FLOAT_EXPR, 3.0);
    assert_eq!(c::DOUBLE, 2.5e-3);
    assert_eq!(c::CONCAT, "hello, world");
    assert_eq!(c::ESCAPED, "tab\there \"quoted\"");
    assert_eq!(c::FROM_OTHER, types::IntEnum::IntEnum::B.0);
    assert_eq!(other::IImporter::SIDES, 8);
    assert_eq!(other::IImporter::GREETING, "hello, world!");
    assert_eq!(other::IImporter::FROM_ENUM, i64::MAX);
    assert_eq!(types::Point::ORIGIN_X, 0);
}

#[test]
fn defaults_honour_declarations() {
    let d = types::AllDefaults::AllDefaults::default();
    assert!(d.z);
    assert_eq!((d.b, d.c, d.i, d.l), (-7, u16::from(b'A'), i32::MAX, -1));
    assert_eq!((d.f, d.d), (0.5, 1e10));
    assert_eq!(d.s, "text");
    assert_eq!(d.ns.as_deref(), Some("maybe"));
    assert_eq!(d.none, None);
    assert_eq!(d.ints, [1, 2, 3]);
    assert_eq!(d.bytes, [255, 0, 127]);
    assert_eq!(d.nstrs, Some(vec![Some("x".to_owned())]));
    assert_eq!(d.fixed, [4, 5]);
    assert_eq!(d.color, types::Color::Color::GREEN);
    assert_eq!(d.e, types::IntEnum::IntEnum::C);
    assert!(d.inf.is_infinite());
    assert_eq!(round_trip(&d), d);

    let outer = types::Outer::Outer::default();
    assert_eq!(outer.kind, types::Outer::Middle::Inner::Kind::Kind::TWO);
    assert_eq!(
        types::Shape::Shape::default(),
        types::Shape::Shape::circle(7)
    );
}

#[test]
fn enums_are_newtypes_with_constants() {
    use types::IntEnum::IntEnum;
    assert_eq!(IntEnum::B.0, 16);
    assert_eq!(IntEnum::C.0, 17);
    assert_eq!(IntEnum::D.0, 17);
    assert_eq!(IntEnum::F.0, 0);
    assert_eq!(IntEnum::enum_values().len(), 6);
    assert_eq!(types::LongEnum::LongEnum::SMALL.0, i64::MIN);
    assert_eq!(types::Color::Color::BLUE, types::Color::Color(2));
    assert_eq!(
        round_trip(&vec![IntEnum::A, IntEnum(1234)]),
        [IntEnum::A, IntEnum(1234)]
    );
}

#[test]
fn parcelables_unions_and_generics_round_trip() {
    use types::Pair::Pair;
    use types::Point::Point;
    let node = types::Node::Node {
        value: 1,
        next: Some(Box::new(types::Node::Node {
            value: 2,
            next: None,
        })),
    };
    assert_eq!(round_trip(&node), node);

    let generic = types::UsesGeneric::UsesGeneric {
        named: Pair {
            first: "a".into(),
            second: Point { x: 1, y: 2 },
            firsts: vec!["b".into()],
        },
        nested: Pair {
            first: Point { x: 3, y: 4 },
            second: Pair {
                first: "c".into(),
                second: "d".into(),
                firsts: vec![],
            },
            firsts: vec![Point::default()],
        },
    };
    assert_eq!(round_trip(&generic), generic);

    for shape in [
        types::Shape::Shape::circle(3),
        types::Shape::Shape::polygon(vec![Point { x: 1, y: 1 }]),
        types::Shape::Shape::named("héllo".into()),
        types::Shape::Shape::color(types::Color::Color::BLUE),
        types::Shape::Shape::inner(Some(Box::new(types::Shape::Shape::circle(1)))),
    ] {
        assert_eq!(round_trip(&shape), shape);
    }

    let fixed = types::Fixed::Fixed {
        a: 1,
        b: [1, 2, 3],
        c: [[1, 2], [3, 4]],
        color: types::Color::Color::RED,
        inner: types::FixedInner::FixedInner::d(0.5),
    };
    assert_eq!(round_trip(&fixed), fixed);

    // @RustDerive adds what was asked for.
    let d = types::Derived::Derived {
        a: 1,
        b: 2,
        c: types::Color::Color::RED,
    };
    let copy = d;
    assert!(copy <= d && std::collections::HashSet::from([d]).contains(&copy));

    let mut tree = types::Tree::Tree::default();
    tree.children.push(types::Tree::Tree {
        label: "leaf".into(),
        ..Default::default()
    });
    tree.parent = Some(Box::new(types::Tree::Tree::default()));
    assert_eq!(round_trip(&tree), tree);

    let renamed = basic::IKeywords::r#impl::r#impl {
        r#mod: 3,
        r#where: "here".into(),
    };
    assert_eq!(round_trip(&renamed), renamed);
}

#[test]
fn a_reader_skips_fields_it_does_not_know() {
    // A Point written by a newer peer with an extra trailing field.
    let mut parcel = Parcel::new();
    parcel.write_i32(1); // present
    let start = parcel.data_position();
    parcel.write_i32(0); // size, patched below
    parcel.write_i32(5);
    parcel.write_i32(6);
    parcel.write_i32(99); // unknown to us
    let end = parcel.data_position();
    parcel.set_data_position(start).unwrap();
    parcel.write_i32((end - start) as i32);
    parcel.set_data_position(end).unwrap();
    parcel.write_i32(7); // after the parcelable
    parcel.set_data_position(0).unwrap();
    let p: types::Point::Point = parcel.read().unwrap();
    assert_eq!((p.x, p.y), (5, 6));
    assert_eq!(parcel.read::<i32>().unwrap(), 7);
}

#[test]
fn descriptors_and_transaction_codes() {
    assert_eq!(basic::IPrimitives::DESCRIPTOR, "golden.basic.IPrimitives");
    assert_eq!(basic::IDescriptor::DESCRIPTOR, "android.os.ICustomName");
    assert_eq!(
        basic::IExplicitIds::transactions::first,
        ipc_core::FIRST_CALL_TRANSACTION + 10
    );
    assert_eq!(
        basic::IExplicitIds::transactions::second,
        ipc_core::FIRST_CALL_TRANSACTION
    );
    assert_eq!(
        basic::IExplicitIds::transactions::third,
        ipc_core::FIRST_CALL_TRANSACTION + 0x20
    );
    assert_eq!(
        basic::IPrimitives::transactions::upper,
        ipc_core::FIRST_CALL_TRANSACTION + 2
    );
    assert_eq!(
        basic::IPrimitives::transactions::getInterfaceVersion,
        0x00ff_ffff
    );
    assert_eq!(
        basic::IPrimitives::transactions::getInterfaceHash,
        0x00ff_fffe
    );
    assert_eq!(basic::IPrimitives::VERSION, 3);
    assert_eq!(basic::IPrimitives::HASH, "notahash");
}

#[test]
fn generic_unions_with_optional_members_round_trip() {
    use types::Mixed::Mixed;
    assert!(matches!(Mixed::<String>::default(), Mixed::binder(None)));
    let back: Mixed<String> = round_trip(&Mixed::many(vec!["a".to_owned()]));
    assert!(matches!(back, Mixed::many(v) if v == ["a"]));
    assert!(matches!(
        round_trip(&Mixed::<String>::maybe(None)),
        Mixed::maybe(None)
    ));
    let uses = types::UsesMixed::UsesMixed {
        strings: Mixed::plain("p".into()),
        points: Some(Mixed::plain(types::Point::Point { x: 1, y: 2 })),
    };
    let back = round_trip(&uses);
    assert!(matches!(back.strings, Mixed::plain(s) if s == "p"));
    assert!(matches!(back.points, Some(Mixed::plain(p)) if (p.x, p.y) == (1, 2)));
}
