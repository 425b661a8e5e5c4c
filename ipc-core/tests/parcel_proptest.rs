//! Property tests of the parcel: any value of any type reads back as written, and so
//! does any sequence of mixed writes, leaving nothing unread.

mod parcel_common;

use std::os::fd::AsRawFd;

use ipc_core::parcel::Utf8;
use ipc_core::{
    ExceptionCode, Parcel, ParcelFileDescriptor, ParcelableHolder, SpIBinder, Status, StatusCode,
};
use parcel_common::{Big, Color, Mode, NullStub, Point, PointV0, PointV2, Tree, Value};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// One typed value. Floats are kept as bits so NaNs compare equal.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Bool(bool),
    Byte(i8),
    UByte(u8),
    Char(u16),
    Int(i32),
    UInt(u32),
    Long(i64),
    ULong(u64),
    Float(u32),
    Double(u64),
    Str(String),
    NullableStr(Option<String>),
    Str8(String),
    NullableStr8(Option<String>),
    Str8List(Vec<Option<String>>),
    Bools(Vec<bool>),
    Bytes(Vec<u8>),
    SignedBytes(Vec<i8>),
    Chars(Vec<u16>),
    Ints(Vec<i32>),
    Longs(Vec<i64>),
    ULongs(Vec<u64>),
    Floats(Vec<u32>),
    Doubles(Vec<u64>),
    Strs(Vec<String>),
    NullableStrs(Vec<Option<String>>),
    NullableInts(Option<Vec<i32>>),
    NullableBytes(Option<Vec<u8>>),
    NestedInts(Vec<Vec<i32>>),
    NestedStrs(Vec<Vec<String>>),
    Fixed([i32; 3]),
    FixedBytes([[u8; 2]; 2]),
    NullableFixed(Option<[i64; 2]>),
    Point(Point),
    NullablePoint(Option<Point>),
    Points(Vec<Option<Point>>),
    Value(Value),
    NullableValue(Option<Value>),
    Tree(Tree),
    Mode(Mode),
    Modes(Vec<Mode>),
    Color(Color),
    Colors(Vec<Color>),
    Big(Big),
    Bigs(Vec<Big>),
    Holder(Option<Point>),
    Status(Status),
    Token(String),
    Fd,
    NullableFd(bool),
    Binder(Option<()>),
}

fn string() -> impl Strategy<Value = String> {
    // Any Unicode, including non-BMP characters and NULs, usually short.
    prop_oneof![
        3 => any::<String>(),
        1 => Just(String::new()),
        1 => "[a-z😀é中]{0,8}",
    ]
}

fn point() -> impl Strategy<Value = Point> {
    let leaf = (any::<i32>(), any::<i32>(), string()).prop_map(|(x, y, label)| Point {
        x,
        y,
        label,
        next: None,
    });
    leaf.prop_recursive(3, 6, 1, |inner| {
        (any::<i32>(), any::<i32>(), string(), option::of(inner)).prop_map(|(x, y, label, next)| {
            Point {
                x,
                y,
                label,
                next: next.map(Box::new),
            }
        })
    })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::Number),
        string().prop_map(Value::Text),
        any::<i8>().prop_map(|m| Value::Mode(Mode(m))),
        point().prop_map(Value::Point),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    any::<i32>()
        .prop_map(Tree::Leaf)
        .prop_recursive(4, 16, 4, |inner| vec(inner, 0..4).prop_map(Tree::Children))
}

fn status() -> impl Strategy<Value = Status> {
    let exceptions = prop_oneof![
        Just(ExceptionCode::SECURITY),
        Just(ExceptionCode::BAD_PARCELABLE),
        Just(ExceptionCode::ILLEGAL_ARGUMENT),
        Just(ExceptionCode::NULL_POINTER),
        Just(ExceptionCode::ILLEGAL_STATE),
        Just(ExceptionCode::UNSUPPORTED_OPERATION),
        Just(ExceptionCode::PARCELABLE),
    ];
    prop_oneof![
        Just(Status::ok()),
        (exceptions, option::of(string()))
            .prop_map(|(e, m)| Status::new_exception(e, m.as_deref())),
        (any::<i32>(), option::of(string()))
            .prop_map(|(c, m)| Status::new_service_specific_error(c, m.as_deref())),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let small = || 0..6usize;
    prop_oneof![
        any::<bool>().prop_map(Item::Bool),
        any::<i8>().prop_map(Item::Byte),
        any::<u8>().prop_map(Item::UByte),
        any::<u16>().prop_map(Item::Char),
        any::<i32>().prop_map(Item::Int),
        any::<u32>().prop_map(Item::UInt),
        any::<i64>().prop_map(Item::Long),
        any::<u64>().prop_map(Item::ULong),
        any::<u32>().prop_map(Item::Float),
        any::<u64>().prop_map(Item::Double),
        string().prop_map(Item::Str),
        option::of(string()).prop_map(Item::NullableStr),
        string().prop_map(Item::Str8),
        option::of(string()).prop_map(Item::NullableStr8),
        vec(option::of(string()), small()).prop_map(Item::Str8List),
        vec(any::<bool>(), small()).prop_map(Item::Bools),
        vec(any::<u8>(), 0..40).prop_map(Item::Bytes),
        vec(any::<i8>(), 0..9).prop_map(Item::SignedBytes),
        vec(any::<u16>(), small()).prop_map(Item::Chars),
        vec(any::<i32>(), small()).prop_map(Item::Ints),
        vec(any::<i64>(), small()).prop_map(Item::Longs),
        vec(any::<u64>(), small()).prop_map(Item::ULongs),
        vec(any::<u32>(), small()).prop_map(Item::Floats),
        vec(any::<u64>(), small()).prop_map(Item::Doubles),
        vec(string(), small()).prop_map(Item::Strs),
        vec(option::of(string()), small()).prop_map(Item::NullableStrs),
        option::of(vec(any::<i32>(), small())).prop_map(Item::NullableInts),
        option::of(vec(any::<u8>(), 0..9)).prop_map(Item::NullableBytes),
        vec(vec(any::<i32>(), small()), small()).prop_map(Item::NestedInts),
        vec(vec(string(), 0..3), 0..3).prop_map(Item::NestedStrs),
        any::<[i32; 3]>().prop_map(Item::Fixed),
        any::<[[u8; 2]; 2]>().prop_map(Item::FixedBytes),
        option::of(any::<[i64; 2]>()).prop_map(Item::NullableFixed),
        point().prop_map(Item::Point),
        option::of(point()).prop_map(Item::NullablePoint),
        vec(option::of(point()), 0..3).prop_map(Item::Points),
        value().prop_map(Item::Value),
        option::of(value()).prop_map(Item::NullableValue),
        tree().prop_map(Item::Tree),
        any::<i8>().prop_map(|m| Item::Mode(Mode(m))),
        vec(any::<i8>().prop_map(Mode), 0..9).prop_map(Item::Modes),
        any::<i32>().prop_map(|c| Item::Color(Color(c))),
        vec(any::<i32>().prop_map(Color), small()).prop_map(Item::Colors),
        any::<i64>().prop_map(|b| Item::Big(Big(b))),
        vec(any::<i64>().prop_map(Big), small()).prop_map(Item::Bigs),
        option::of(point()).prop_map(Item::Holder),
        status().prop_map(Item::Status),
        string().prop_map(Item::Token),
        Just(Item::Fd),
        any::<bool>().prop_map(Item::NullableFd),
        option::of(Just(())).prop_map(Item::Binder),
    ]
}

fn binder() -> SpIBinder {
    thread_local! {
        static BINDER: SpIBinder = SpIBinder::new_local(NullStub);
    }
    BINDER.with(SpIBinder::clone)
}

fn write_item(p: &mut Parcel, item: &Item) -> Result<(), StatusCode> {
    match item {
        Item::Bool(v) => p.write(v),
        Item::Byte(v) => p.write(v),
        Item::UByte(v) => p.write(v),
        Item::Char(v) => p.write(v),
        Item::Int(v) => p.write(v),
        Item::UInt(v) => p.write(v),
        Item::Long(v) => p.write(v),
        Item::ULong(v) => p.write(v),
        Item::Float(v) => p.write(&f32::from_bits(*v)),
        Item::Double(v) => p.write(&f64::from_bits(*v)),
        Item::Str(v) => p.write(v),
        Item::NullableStr(v) => p.write(v),
        Item::Str8(v) => p.write(&Utf8(v)),
        Item::NullableStr8(v) => p.write(&Utf8(v)),
        Item::Str8List(v) => p.write(&Utf8(v)),
        Item::Bools(v) => p.write(v),
        Item::Bytes(v) => p.write(v),
        Item::SignedBytes(v) => p.write(v),
        Item::Chars(v) => p.write(v),
        Item::Ints(v) => p.write(v),
        Item::Longs(v) => p.write(v),
        Item::ULongs(v) => p.write(v),
        Item::Floats(v) => p.write(&v.iter().map(|b| f32::from_bits(*b)).collect::<Vec<_>>()),
        Item::Doubles(v) => p.write(&v.iter().map(|b| f64::from_bits(*b)).collect::<Vec<_>>()),
        Item::Strs(v) => p.write(v),
        Item::NullableStrs(v) => p.write(v),
        Item::NullableInts(v) => p.write(v),
        Item::NullableBytes(v) => p.write(v),
        Item::NestedInts(v) => p.write(v),
        Item::NestedStrs(v) => p.write(v),
        Item::Fixed(v) => p.write(v),
        Item::FixedBytes(v) => p.write(v),
        Item::NullableFixed(v) => p.write(v),
        Item::Point(v) => p.write(v),
        Item::NullablePoint(v) => p.write(v),
        Item::Points(v) => p.write(v),
        Item::Value(v) => p.write(v),
        Item::NullableValue(v) => p.write(v),
        Item::Tree(v) => p.write(v),
        Item::Mode(v) => p.write(v),
        Item::Modes(v) => p.write(v),
        Item::Color(v) => p.write(v),
        Item::Colors(v) => p.write(v),
        Item::Big(v) => p.write(v),
        Item::Bigs(v) => p.write(v),
        Item::Holder(v) => {
            let mut holder = ParcelableHolder::new();
            if let Some(point) = v {
                holder.set_parcelable(point)?;
            }
            p.write(&holder)
        }
        Item::Status(v) => p.write(v),
        Item::Token(v) => p.write_interface_token(v),
        Item::Fd => p.write(&ParcelFileDescriptor::new(parcel_common::dev_null())),
        Item::NullableFd(present) => {
            p.write(&present.then(|| ParcelFileDescriptor::new(parcel_common::dev_null())))
        }
        Item::Binder(v) => p.write(&v.map(|()| binder())),
    }
}

fn is_dev_null(fd: &ParcelFileDescriptor) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .is_ok_and(|target| target == std::path::Path::new("/dev/null"))
}

/// Reads a value of the same kind as `like`.
fn read_item(p: &mut Parcel, like: &Item) -> Result<Item, StatusCode> {
    Ok(match like {
        Item::Bool(_) => Item::Bool(p.read()?),
        Item::Byte(_) => Item::Byte(p.read()?),
        Item::UByte(_) => Item::UByte(p.read()?),
        Item::Char(_) => Item::Char(p.read()?),
        Item::Int(_) => Item::Int(p.read()?),
        Item::UInt(_) => Item::UInt(p.read()?),
        Item::Long(_) => Item::Long(p.read()?),
        Item::ULong(_) => Item::ULong(p.read()?),
        Item::Float(_) => Item::Float(p.read::<f32>()?.to_bits()),
        Item::Double(_) => Item::Double(p.read::<f64>()?.to_bits()),
        Item::Str(_) => Item::Str(p.read()?),
        Item::NullableStr(_) => Item::NullableStr(p.read()?),
        Item::Str8(_) => Item::Str8(p.read::<Utf8<String>>()?.0),
        Item::NullableStr8(_) => Item::NullableStr8(p.read::<Utf8<Option<String>>>()?.0),
        Item::Str8List(_) => Item::Str8List(p.read::<Utf8<Vec<Option<String>>>>()?.0),
        Item::Bools(_) => Item::Bools(p.read()?),
        Item::Bytes(_) => Item::Bytes(p.read()?),
        Item::SignedBytes(_) => Item::SignedBytes(p.read()?),
        Item::Chars(_) => Item::Chars(p.read()?),
        Item::Ints(_) => Item::Ints(p.read()?),
        Item::Longs(_) => Item::Longs(p.read()?),
        Item::ULongs(_) => Item::ULongs(p.read()?),
        Item::Floats(_) => {
            Item::Floats(p.read::<Vec<f32>>()?.iter().map(|f| f.to_bits()).collect())
        }
        Item::Doubles(_) => {
            Item::Doubles(p.read::<Vec<f64>>()?.iter().map(|f| f.to_bits()).collect())
        }
        Item::Strs(_) => Item::Strs(p.read()?),
        Item::NullableStrs(_) => Item::NullableStrs(p.read()?),
        Item::NullableInts(_) => Item::NullableInts(p.read()?),
        Item::NullableBytes(_) => Item::NullableBytes(p.read()?),
        Item::NestedInts(_) => Item::NestedInts(p.read()?),
        Item::NestedStrs(_) => Item::NestedStrs(p.read()?),
        Item::Fixed(_) => Item::Fixed(p.read()?),
        Item::FixedBytes(_) => Item::FixedBytes(p.read()?),
        Item::NullableFixed(_) => Item::NullableFixed(p.read()?),
        Item::Point(_) => Item::Point(p.read()?),
        Item::NullablePoint(_) => Item::NullablePoint(p.read()?),
        Item::Points(_) => Item::Points(p.read()?),
        Item::Value(_) => Item::Value(p.read()?),
        Item::NullableValue(_) => Item::NullableValue(p.read()?),
        Item::Tree(_) => Item::Tree(p.read()?),
        Item::Mode(_) => Item::Mode(p.read()?),
        Item::Modes(_) => Item::Modes(p.read()?),
        Item::Color(_) => Item::Color(p.read()?),
        Item::Colors(_) => Item::Colors(p.read()?),
        Item::Big(_) => Item::Big(p.read()?),
        Item::Bigs(_) => Item::Bigs(p.read()?),
        Item::Holder(_) => Item::Holder(p.read::<ParcelableHolder>()?.get_parcelable()?),
        Item::Status(_) => Item::Status(p.read()?),
        Item::Token(expected) => {
            p.enforce_interface(expected)?;
            Item::Token(expected.clone())
        }
        Item::Fd => {
            let fd: ParcelFileDescriptor = p.read()?;
            assert!(is_dev_null(&fd));
            Item::Fd
        }
        Item::NullableFd(_) => {
            let fd: Option<ParcelFileDescriptor> = p.read()?;
            assert!(fd.as_ref().is_none_or(is_dev_null));
            Item::NullableFd(fd.is_some())
        }
        Item::Binder(_) => {
            let b: Option<SpIBinder> = p.read()?;
            assert!(b.as_ref().is_none_or(|b| *b == binder()));
            Item::Binder(b.map(drop))
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_type_round_trips(item in item()) {
        let mut parcel = Parcel::new();
        write_item(&mut parcel, &item).unwrap();
        prop_assert_eq!(parcel.data_size() % 4, 0, "writes are padded to 4 bytes");
        prop_assert_eq!(parcel.data_position(), parcel.data_size());
        parcel.set_data_position(0).unwrap();
        prop_assert_eq!(read_item(&mut parcel, &item).unwrap(), item);
        prop_assert_eq!(parcel.data_avail(), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn mixed_sequences_round_trip_in_order(items in vec(item(), 0..24)) {
        let mut parcel = Parcel::new();
        for item in &items {
            write_item(&mut parcel, item).unwrap();
        }
        parcel.set_data_position(0).unwrap();
        for item in &items {
            prop_assert_eq!(&read_item(&mut parcel, item).unwrap(), item);
        }
        prop_assert_eq!(parcel.data_avail(), 0);
    }

    #[test]
    fn a_copy_by_append_from_reads_the_same(items in vec(item(), 1..12), prefix in 0..3usize) {
        let mut source = Parcel::new();
        for item in &items {
            write_item(&mut source, item).unwrap();
        }
        let mut copy = Parcel::new();
        for i in 0..prefix {
            copy.write_i32(i as i32);
        }
        copy.append_from(&source, 0, source.data_size()).unwrap();
        copy.set_data_position(prefix * 4).unwrap();
        for item in &items {
            prop_assert_eq!(&read_item(&mut copy, item).unwrap(), item);
        }
        prop_assert_eq!(copy.data_avail(), 0);
    }

    #[test]
    fn newer_and_older_parcelable_versions_interoperate(
        x in any::<i32>(),
        y in any::<i32>(),
        label in string(),
        tags in vec(string(), 0..4),
        weight in any::<f64>(),
        after in any::<i64>(),
    ) {
        // New writer, old reader: unknown trailing fields are skipped.
        let newer = PointV2 { x, y, label: label.clone(), next: None, tags, weight };
        let mut parcel = Parcel::new();
        parcel.write(&newer).unwrap();
        parcel.write(&after).unwrap();
        parcel.set_data_position(0).unwrap();
        let read: Point = parcel.read().unwrap();
        prop_assert_eq!(read, Point { x, y, label, next: None });
        prop_assert_eq!(parcel.read::<i64>().unwrap(), after);

        let mut parcel = Parcel::new();
        parcel.write(&newer).unwrap();
        parcel.write(&after).unwrap();
        parcel.set_data_position(0).unwrap();
        prop_assert_eq!(parcel.read::<PointV0>().unwrap(), PointV0 { x });
        prop_assert_eq!(parcel.read::<i64>().unwrap(), after);

        // Old writer, new reader: missing trailing fields keep their defaults.
        let mut parcel = Parcel::new();
        parcel.write(&PointV0 { x }).unwrap();
        parcel.write(&after).unwrap();
        parcel.set_data_position(0).unwrap();
        prop_assert_eq!(parcel.read::<PointV2>().unwrap(), PointV2 { x, ..PointV2::default() });
        prop_assert_eq!(parcel.read::<i64>().unwrap(), after);
    }

    #[test]
    fn strict_prefixes_of_one_value_never_read(item in item()) {
        let mut parcel = Parcel::new();
        write_item(&mut parcel, &item).unwrap();
        let full = parcel.data_size();
        // Cut the data (objects stay in the table; cut slots are simply absent).
        for cut in (0..full).step_by(4) {
            let mut copy = Parcel::new();
            copy.append_from(&parcel, 0, cut).unwrap();
            copy.set_data_position(0).unwrap();
            prop_assert!(read_item(&mut copy, &item).is_err(), "{:?} read from {} of {} bytes", item, cut, full);
        }
    }
}
